;; Memory-bound training kernels in WebAssembly SIMD, run on the TF.js wasm backend's own memory
;; (imported: every pointer below is a byte offset of a tensor in that heap).
;; Assembled by tools/build-simd-kernels.mjs into kernels-binary.ts (a shared-memory variant for
;; the threaded wasm build is made from the same text); the unit tests check that they agree.
(module
  (import "env" "memory" (memory 1))

  ;; out[i] = y[i] > 0 ? dy[i] : 0 for n floats: the gradient of ReLU from its input or output
  ;; (TensorFlow's ReluGrad).
  (func (export "reluGrad") (param $dy i32) (param $y i32) (param $out i32) (param $n i32)
    (local $i i32) (local $stop i32) (local $a i32)
    (local.set $stop (i32.and (local.get $n) (i32.const -4)))
    (block $vdone
      (loop $v
        (br_if $vdone (i32.ge_u (local.get $i) (local.get $stop)))
        (local.set $a (i32.shl (local.get $i) (i32.const 2)))
        (v128.store (i32.add (local.get $out) (local.get $a))
          (v128.and
            (v128.load (i32.add (local.get $dy) (local.get $a)))
            (f32x4.gt (v128.load (i32.add (local.get $y) (local.get $a)))
                      (v128.const f32x4 0 0 0 0))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $v)))
    (block $sdone
      (loop $s
        (br_if $sdone (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $a (i32.shl (local.get $i) (i32.const 2)))
        (f32.store (i32.add (local.get $out) (local.get $a))
          (select
            (f32.load (i32.add (local.get $dy) (local.get $a)))
            (f32.const 0)
            (f32.gt (f32.load (i32.add (local.get $y) (local.get $a))) (f32.const 0))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $s))))

  ;; out[c] = Σ_r x[r·cols + c] (a [rows, cols] float32 matrix summed over its rows), accumulated
  ;; in float64 in `scratch` (cols × 8 bytes).
  (func (export "sumRows")
    (param $x i32) (param $rows i32) (param $cols i32) (param $out i32) (param $scratch i32)
    (local $r i32) (local $c i32) (local $c4 i32) (local $px i32) (local $sa i32) (local $v v128)
    (memory.fill (local.get $scratch) (i32.const 0) (i32.shl (local.get $cols) (i32.const 3)))
    (local.set $c4 (i32.and (local.get $cols) (i32.const -4)))
    (local.set $px (local.get $x))
    (block $rdone
      (loop $rl
        (br_if $rdone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $c (i32.const 0))
        (block $vdone
          (loop $vl
            (br_if $vdone (i32.ge_u (local.get $c) (local.get $c4)))
            (local.set $v (v128.load (local.get $px)))
            (local.set $sa (i32.add (local.get $scratch) (i32.shl (local.get $c) (i32.const 3))))
            (v128.store (local.get $sa)
              (f64x2.add (v128.load (local.get $sa)) (f64x2.promote_low_f32x4 (local.get $v))))
            (v128.store offset=16 (local.get $sa)
              (f64x2.add
                (v128.load offset=16 (local.get $sa))
                (f64x2.promote_low_f32x4
                  (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7
                    (local.get $v) (local.get $v)))))
            (local.set $px (i32.add (local.get $px) (i32.const 16)))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $vl)))
        (block $sdone
          (loop $sl
            (br_if $sdone (i32.ge_u (local.get $c) (local.get $cols)))
            (local.set $sa (i32.add (local.get $scratch) (i32.shl (local.get $c) (i32.const 3))))
            (f64.store (local.get $sa)
              (f64.add (f64.load (local.get $sa)) (f64.promote_f32 (f32.load (local.get $px)))))
            (local.set $px (i32.add (local.get $px) (i32.const 4)))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $sl)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rl)))
    (local.set $c (i32.const 0))
    (block $odone
      (loop $ol
        (br_if $odone (i32.ge_u (local.get $c) (local.get $cols)))
        (f32.store
          (i32.add (local.get $out) (i32.shl (local.get $c) (i32.const 2)))
          (f32.demote_f64
            (f64.load (i32.add (local.get $scratch) (i32.shl (local.get $c) (i32.const 3))))))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $ol))))

  ;; Gradient of 2×2 max pooling with stride 2 and no padding (NHWC): each dy goes to the first
  ;; maximum of its window in row-major order (a later tap wins only when strictly greater, as in
  ;; TensorFlow); input rows/columns past the last window get zero.
  (func (export "maxPoolGrad2x2")
    (param $x i32) (param $dy i32) (param $dx i32)
    (param $batch i32) (param $inH i32) (param $inW i32) (param $c i32)
    (param $outH i32) (param $outW i32)
    (local $cb i32) (local $row i32) (local $c4 i32)
    (local $b i32) (local $oy i32) (local $ox i32) (local $ch i32)
    (local $p i32) (local $o i32) (local $a i32) (local $k i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local $g1 v128) (local $g2 v128) (local $g3 v128) (local $best v128) (local $d v128)
    (local $s0 f32) (local $s1 f32) (local $s2 f32) (local $s3 f32) (local $sb f32) (local $sd f32)
    (local.set $cb (i32.shl (local.get $c) (i32.const 2)))
    (local.set $row (i32.mul (local.get $inW) (local.get $cb)))
    (local.set $c4 (i32.and (local.get $c) (i32.const -4)))
    (if (i32.or
          (i32.lt_u (i32.shl (local.get $outH) (i32.const 1)) (local.get $inH))
          (i32.lt_u (i32.shl (local.get $outW) (i32.const 1)) (local.get $inW)))
      (then
        (memory.fill (local.get $dx) (i32.const 0)
          (i32.mul (i32.mul (local.get $batch) (local.get $inH)) (local.get $row)))))
    (local.set $o (local.get $dy))
    (block $bdone
      (loop $bl
        (br_if $bdone (i32.ge_u (local.get $b) (local.get $batch)))
        (local.set $oy (i32.const 0))
        (block $ydone
          (loop $yl
            (br_if $ydone (i32.ge_u (local.get $oy) (local.get $outH)))
            ;; byte offset of the window's top-left pixel at ox = 0
            (local.set $p
              (i32.mul
                (i32.add (i32.mul (local.get $b) (local.get $inH))
                         (i32.shl (local.get $oy) (i32.const 1)))
                (local.get $row)))
            (local.set $ox (i32.const 0))
            (block $xdone
              (loop $xl
                (br_if $xdone (i32.ge_u (local.get $ox) (local.get $outW)))
                (local.set $ch (i32.const 0))
                (block $vdone
                  (loop $vl
                    (br_if $vdone (i32.ge_u (local.get $ch) (local.get $c4)))
                    (local.set $a (i32.add (local.get $p) (i32.shl (local.get $ch) (i32.const 2))))
                    (local.set $v0 (v128.load (i32.add (local.get $x) (local.get $a))))
                    (local.set $v1 (v128.load
                      (i32.add (i32.add (local.get $x) (local.get $a)) (local.get $cb))))
                    (local.set $v2 (v128.load
                      (i32.add (i32.add (local.get $x) (local.get $a)) (local.get $row))))
                    (local.set $v3 (v128.load
                      (i32.add (i32.add (i32.add (local.get $x) (local.get $a)) (local.get $row))
                               (local.get $cb))))
                    (local.set $g1 (f32x4.gt (local.get $v1) (local.get $v0)))
                    (local.set $best (v128.bitselect (local.get $v1) (local.get $v0) (local.get $g1)))
                    (local.set $g2 (f32x4.gt (local.get $v2) (local.get $best)))
                    (local.set $best (v128.bitselect (local.get $v2) (local.get $best) (local.get $g2)))
                    (local.set $g3 (f32x4.gt (local.get $v3) (local.get $best)))
                    (local.set $d (v128.load (local.get $o)))
                    (v128.store
                      (i32.add (i32.add (i32.add (local.get $dx) (local.get $a)) (local.get $row))
                               (local.get $cb))
                      (v128.and (local.get $d) (local.get $g3)))
                    (v128.store
                      (i32.add (i32.add (local.get $dx) (local.get $a)) (local.get $row))
                      (v128.and (local.get $d) (v128.andnot (local.get $g2) (local.get $g3))))
                    (v128.store
                      (i32.add (i32.add (local.get $dx) (local.get $a)) (local.get $cb))
                      (v128.and (local.get $d)
                        (v128.andnot (v128.andnot (local.get $g1) (local.get $g2)) (local.get $g3))))
                    (v128.store
                      (i32.add (local.get $dx) (local.get $a))
                      (v128.andnot (local.get $d)
                        (v128.or (v128.or (local.get $g1) (local.get $g2)) (local.get $g3))))
                    (local.set $o (i32.add (local.get $o) (i32.const 16)))
                    (local.set $ch (i32.add (local.get $ch) (i32.const 4)))
                    (br $vl)))
                (block $sdone
                  (loop $sl
                    (br_if $sdone (i32.ge_u (local.get $ch) (local.get $c)))
                    (local.set $a (i32.add (local.get $p) (i32.shl (local.get $ch) (i32.const 2))))
                    (local.set $s0 (f32.load (i32.add (local.get $x) (local.get $a))))
                    (local.set $s1 (f32.load
                      (i32.add (i32.add (local.get $x) (local.get $a)) (local.get $cb))))
                    (local.set $s2 (f32.load
                      (i32.add (i32.add (local.get $x) (local.get $a)) (local.get $row))))
                    (local.set $s3 (f32.load
                      (i32.add (i32.add (i32.add (local.get $x) (local.get $a)) (local.get $row))
                               (local.get $cb))))
                    (local.set $sb (local.get $s0))
                    (local.set $k (i32.const 0))
                    (if (f32.gt (local.get $s1) (local.get $sb))
                      (then (local.set $sb (local.get $s1)) (local.set $k (i32.const 1))))
                    (if (f32.gt (local.get $s2) (local.get $sb))
                      (then (local.set $sb (local.get $s2)) (local.set $k (i32.const 2))))
                    (if (f32.gt (local.get $s3) (local.get $sb))
                      (then (local.set $k (i32.const 3))))
                    (local.set $sd (f32.load (local.get $o)))
                    (f32.store (i32.add (local.get $dx) (local.get $a))
                      (select (local.get $sd) (f32.const 0) (i32.eq (local.get $k) (i32.const 0))))
                    (f32.store (i32.add (i32.add (local.get $dx) (local.get $a)) (local.get $cb))
                      (select (local.get $sd) (f32.const 0) (i32.eq (local.get $k) (i32.const 1))))
                    (f32.store (i32.add (i32.add (local.get $dx) (local.get $a)) (local.get $row))
                      (select (local.get $sd) (f32.const 0) (i32.eq (local.get $k) (i32.const 2))))
                    (f32.store
                      (i32.add (i32.add (i32.add (local.get $dx) (local.get $a)) (local.get $row))
                               (local.get $cb))
                      (select (local.get $sd) (f32.const 0) (i32.eq (local.get $k) (i32.const 3))))
                    (local.set $o (i32.add (local.get $o) (i32.const 4)))
                    (local.set $ch (i32.add (local.get $ch) (i32.const 1)))
                    (br $sl)))
                (local.set $p (i32.add (local.get $p) (i32.shl (local.get $cb) (i32.const 1))))
                (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
                (br $xl)))
            (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
            (br $yl)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $bl))))

  ;; 2×2 max pooling with stride 2 and no padding (NHWC; input rows/columns past the last window
  ;; are ignored): y[b, oy, ox, :] = the maximum of x's 2×2 window, 4 channels at a time (f32x4.pmax:
  ;; one instruction; NaN inputs are not propagated the way TensorFlow does).
  (func (export "maxPool2x2")
    (param $x i32) (param $y i32)
    (param $batch i32) (param $inH i32) (param $inW i32) (param $c i32)
    (param $outH i32) (param $outW i32)
    (local $cb i32) (local $row i32) (local $c4 i32)
    (local $b i32) (local $oy i32) (local $ox i32) (local $ch i32)
    (local $p i32) (local $o i32) (local $a i32)
    (local.set $cb (i32.shl (local.get $c) (i32.const 2)))
    (local.set $row (i32.mul (local.get $inW) (local.get $cb)))
    (local.set $c4 (i32.and (local.get $c) (i32.const -4)))
    (local.set $o (local.get $y))
    (block $bdone
      (loop $bl
        (br_if $bdone (i32.ge_u (local.get $b) (local.get $batch)))
        (local.set $oy (i32.const 0))
        (block $ydone
          (loop $yl
            (br_if $ydone (i32.ge_u (local.get $oy) (local.get $outH)))
            (local.set $p
              (i32.add (local.get $x)
                (i32.mul
                  (i32.add (i32.mul (local.get $b) (local.get $inH))
                           (i32.shl (local.get $oy) (i32.const 1)))
                  (local.get $row))))
            (local.set $ox (i32.const 0))
            (block $xdone
              (loop $xl
                (br_if $xdone (i32.ge_u (local.get $ox) (local.get $outW)))
                (local.set $ch (i32.const 0))
                (block $vdone
                  (loop $vl
                    (br_if $vdone (i32.ge_u (local.get $ch) (local.get $c4)))
                    (local.set $a (i32.add (local.get $p) (i32.shl (local.get $ch) (i32.const 2))))
                    (v128.store (local.get $o)
                      (f32x4.pmax
                        (f32x4.pmax (v128.load (local.get $a))
                                    (v128.load (i32.add (local.get $a) (local.get $cb))))
                        (f32x4.pmax (v128.load (i32.add (local.get $a) (local.get $row)))
                                    (v128.load (i32.add (i32.add (local.get $a) (local.get $row))
                                                        (local.get $cb))))))
                    (local.set $o (i32.add (local.get $o) (i32.const 16)))
                    (local.set $ch (i32.add (local.get $ch) (i32.const 4)))
                    (br $vl)))
                (block $sdone
                  (loop $sl
                    (br_if $sdone (i32.ge_u (local.get $ch) (local.get $c)))
                    (local.set $a (i32.add (local.get $p) (i32.shl (local.get $ch) (i32.const 2))))
                    (f32.store (local.get $o)
                      (f32.max
                        (f32.max (f32.load (local.get $a))
                                 (f32.load (i32.add (local.get $a) (local.get $cb))))
                        (f32.max (f32.load (i32.add (local.get $a) (local.get $row)))
                                 (f32.load (i32.add (i32.add (local.get $a) (local.get $row))
                                                    (local.get $cb))))))
                    (local.set $o (i32.add (local.get $o) (i32.const 4)))
                    (local.set $ch (i32.add (local.get $ch) (i32.const 1)))
                    (br $sl)))
                (local.set $p (i32.add (local.get $p) (i32.shl (local.get $cb) (i32.const 1))))
                (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
                (br $xl)))
            (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
            (br $yl)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $bl))))

  ;; dW of a 2-D convolution (NHWC, no dilation) from the padded input xp [n, hp, wp, cin] and
  ;; dy [n, oh, ow, cout]: dw[ky, kx, ci, co] = Σ xp[b, oy·sh + ky, ox·sw + kx, ci] · dy[b, oy, ox, co].
  ;; Meant for few input channels (a first layer on images), where the transposed-convolution
  ;; formulation is a GEMM with a tiny M and a huge K that XNNPACK runs poorly.
  (func (export "convFilterGrad")
    (param $xp i32) (param $dy i32) (param $dw i32)
    (param $n i32) (param $hp i32) (param $wp i32) (param $cin i32)
    (param $oh i32) (param $ow i32) (param $kh i32) (param $kw i32) (param $cout i32)
    (param $sh i32) (param $sw i32)
    (local $cb i32) (local $co4b i32) (local $rowx i32) (local $pixx i32)
    (local $b i32) (local $oy i32) (local $ox i32) (local $ky i32) (local $kx i32) (local $ci i32)
    (local $co i32) (local $base i32) (local $pxr i32) (local $px i32) (local $pw i32)
    (local $pdy i32) (local $xs f32) (local $xv v128)
    (local.set $cb (i32.shl (local.get $cout) (i32.const 2)))
    (local.set $co4b (i32.shl (i32.and (local.get $cout) (i32.const -4)) (i32.const 2)))
    (local.set $pixx (i32.shl (local.get $cin) (i32.const 2)))
    (local.set $rowx (i32.mul (local.get $wp) (local.get $pixx)))
    (memory.fill (local.get $dw) (i32.const 0)
      (i32.mul (i32.mul (i32.mul (local.get $kh) (local.get $kw)) (local.get $cin))
               (local.get $cb)))
    (local.set $pdy (local.get $dy))
    (block $bdone
      (loop $bl
        (br_if $bdone (i32.ge_u (local.get $b) (local.get $n)))
        (local.set $oy (i32.const 0))
        (block $ydone
          (loop $yl
            (br_if $ydone (i32.ge_u (local.get $oy) (local.get $oh)))
            (local.set $ox (i32.const 0))
            (block $xdone
              (loop $xl
                (br_if $xdone (i32.ge_u (local.get $ox) (local.get $ow)))
                ;; top-left of this output pixel's window in xp
                (local.set $base
                  (i32.add (local.get $xp)
                    (i32.add
                      (i32.mul
                        (i32.add (i32.mul (local.get $b) (local.get $hp))
                                 (i32.mul (local.get $oy) (local.get $sh)))
                        (local.get $rowx))
                      (i32.mul (i32.mul (local.get $ox) (local.get $sw)) (local.get $pixx)))))
                (local.set $pw (local.get $dw))
                (local.set $ky (i32.const 0))
                (block $kydone
                  (loop $kyl
                    (br_if $kydone (i32.ge_u (local.get $ky) (local.get $kh)))
                    (local.set $pxr
                      (i32.add (local.get $base) (i32.mul (local.get $ky) (local.get $rowx))))
                    (local.set $kx (i32.const 0))
                    (block $kxdone
                      (loop $kxl
                        (br_if $kxdone (i32.ge_u (local.get $kx) (local.get $kw)))
                        (local.set $px
                          (i32.add (local.get $pxr) (i32.mul (local.get $kx) (local.get $pixx))))
                        (local.set $ci (i32.const 0))
                        (block $cidone
                          (loop $cil
                            (br_if $cidone (i32.ge_u (local.get $ci) (local.get $cin)))
                            (local.set $xs (f32.load
                              (i32.add (local.get $px) (i32.shl (local.get $ci) (i32.const 2)))))
                            (local.set $xv (f32x4.splat (local.get $xs)))
                            (local.set $co (i32.const 0))
                            (block $vdone
                              (loop $vl
                                (br_if $vdone (i32.ge_u (local.get $co) (local.get $co4b)))
                                (v128.store (i32.add (local.get $pw) (local.get $co))
                                  (f32x4.add
                                    (v128.load (i32.add (local.get $pw) (local.get $co)))
                                    (f32x4.mul (local.get $xv)
                                      (v128.load (i32.add (local.get $pdy) (local.get $co))))))
                                (local.set $co (i32.add (local.get $co) (i32.const 16)))
                                (br $vl)))
                            (block $sdone
                              (loop $sl
                                (br_if $sdone (i32.ge_u (local.get $co) (local.get $cb)))
                                (f32.store (i32.add (local.get $pw) (local.get $co))
                                  (f32.add
                                    (f32.load (i32.add (local.get $pw) (local.get $co)))
                                    (f32.mul (local.get $xs)
                                      (f32.load (i32.add (local.get $pdy) (local.get $co))))))
                                (local.set $co (i32.add (local.get $co) (i32.const 4)))
                                (br $sl)))
                            (local.set $pw (i32.add (local.get $pw) (local.get $cb)))
                            (local.set $ci (i32.add (local.get $ci) (i32.const 1)))
                            (br $cil)))
                        (local.set $kx (i32.add (local.get $kx) (i32.const 1)))
                        (br $kxl)))
                    (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
                    (br $kyl)))
                (local.set $pdy (i32.add (local.get $pdy) (local.get $cb)))
                (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
                (br $xl)))
            (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
            (br $yl)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $bl))))

  ;; out[i] = 0 < y[i] < 6 ? dy[i] : 0 for n floats: the gradient of ReLU6 from its input
  ;; (TensorFlow's Relu6Grad).
  (func (export "relu6Grad") (param $dy i32) (param $y i32) (param $out i32) (param $n i32)
    (local $i i32) (local $stop i32) (local $a i32) (local $v v128) (local $s f32)
    (local.set $stop (i32.and (local.get $n) (i32.const -4)))
    (block $vdone
      (loop $vl
        (br_if $vdone (i32.ge_u (local.get $i) (local.get $stop)))
        (local.set $a (i32.shl (local.get $i) (i32.const 2)))
        (local.set $v (v128.load (i32.add (local.get $y) (local.get $a))))
        (v128.store (i32.add (local.get $out) (local.get $a))
          (v128.and
            (v128.load (i32.add (local.get $dy) (local.get $a)))
            (v128.and
              (f32x4.gt (local.get $v) (v128.const f32x4 0 0 0 0))
              (f32x4.lt (local.get $v) (v128.const f32x4 6 6 6 6)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $vl)))
    (block $sdone
      (loop $sl
        (br_if $sdone (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $a (i32.shl (local.get $i) (i32.const 2)))
        (local.set $s (f32.load (i32.add (local.get $y) (local.get $a))))
        (f32.store (i32.add (local.get $out) (local.get $a))
          (select
            (f32.load (i32.add (local.get $dy) (local.get $a)))
            (f32.const 0)
            (i32.and (f32.gt (local.get $s) (f32.const 0)) (f32.lt (local.get $s) (f32.const 6)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $sl))))

  ;; acc[j] += a[j] · b[j] for the floats of one pixel's channels: `vecBytes` (a multiple of 16)
  ;; with SIMD, then singly up to `bytes`.
  (func $multiplyAccumulate
    (param $acc i32) (param $a i32) (param $b i32) (param $vecBytes i32) (param $bytes i32)
    (local $j i32)
    (block $vdone
      (loop $vl
        (br_if $vdone (i32.ge_u (local.get $j) (local.get $vecBytes)))
        (v128.store (i32.add (local.get $acc) (local.get $j))
          (f32x4.add
            (v128.load (i32.add (local.get $acc) (local.get $j)))
            (f32x4.mul
              (v128.load (i32.add (local.get $a) (local.get $j)))
              (v128.load (i32.add (local.get $b) (local.get $j))))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $vl)))
    (block $sdone
      (loop $sl
        (br_if $sdone (i32.ge_u (local.get $j) (local.get $bytes)))
        (f32.store (i32.add (local.get $acc) (local.get $j))
          (f32.add
            (f32.load (i32.add (local.get $acc) (local.get $j)))
            (f32.mul
              (f32.load (i32.add (local.get $a) (local.get $j)))
              (f32.load (i32.add (local.get $b) (local.get $j))))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $sl))))

  ;; Both gradients of a depthwise convolution with channel multiplier 1 (NHWC, any stride,
  ;; dilation and padding, read from the unpadded input: taps outside it are skipped):
  ;; x [n, inH, inW, c], w [kh, kw, c], dy [n, outH, outW, c]; tap (ky, kx) of output (oy, ox)
  ;; reads input row oy·sh − top + ky·dh and column ox·sw − left + kx·dw.
  ;; $filterGrad = 1: out = dW [kh, kw, c] = Σ x · dy over the taps, `src` is x.
  ;; $filterGrad = 0: out = dX [n, inH, inW, c] = Σ w · dy over the taps, `src` is w.
  (func (export "depthwiseBackprop")
    (param $src i32) (param $dy i32) (param $out i32) (param $filterGrad i32)
    (param $n i32) (param $inH i32) (param $inW i32) (param $c i32)
    (param $outH i32) (param $outW i32) (param $kh i32) (param $kw i32)
    (param $sh i32) (param $sw i32) (param $dh i32) (param $dw i32)
    (param $top i32) (param $left i32)
    (local $cb i32) (local $c4b i32) (local $b i32) (local $oy i32) (local $ox i32)
    (local $ky i32) (local $kx i32) (local $iy i32) (local $ix i32) (local $iy0 i32) (local $ix0 i32)
    (local $pdy i32) (local $row i32) (local $pixel i32) (local $tap i32)
    (local.set $cb (i32.shl (local.get $c) (i32.const 2)))
    (local.set $c4b (i32.shl (i32.and (local.get $c) (i32.const -4)) (i32.const 2)))
    (memory.fill (local.get $out) (i32.const 0)
      (i32.mul (local.get $cb)
        (if (result i32) (local.get $filterGrad)
          (then (i32.mul (local.get $kh) (local.get $kw)))
          (else (i32.mul (i32.mul (local.get $n) (local.get $inH)) (local.get $inW))))))
    (local.set $pdy (local.get $dy))
    (block $bdone
      (loop $bl
        (br_if $bdone (i32.ge_u (local.get $b) (local.get $n)))
        (local.set $oy (i32.const 0))
        (block $ydone
          (loop $yl
            (br_if $ydone (i32.ge_u (local.get $oy) (local.get $outH)))
            (local.set $iy0
              (i32.sub (i32.mul (local.get $oy) (local.get $sh)) (local.get $top)))
            (local.set $ox (i32.const 0))
            (block $xdone
              (loop $xl
                (br_if $xdone (i32.ge_u (local.get $ox) (local.get $outW)))
                (local.set $ix0
                  (i32.sub (i32.mul (local.get $ox) (local.get $sw)) (local.get $left)))
                (local.set $ky (i32.const 0))
                (block $kydone
                  (loop $kyl
                    (br_if $kydone (i32.ge_u (local.get $ky) (local.get $kh)))
                    (local.set $iy
                      (i32.add (local.get $iy0) (i32.mul (local.get $ky) (local.get $dh))))
                    ;; unsigned: rows above the input (negative) are skipped too
                    (if (i32.lt_u (local.get $iy) (local.get $inH))
                      (then
                        (local.set $row
                          (i32.mul
                            (i32.mul
                              (i32.add (i32.mul (local.get $b) (local.get $inH)) (local.get $iy))
                              (local.get $inW))
                            (local.get $cb)))
                        (local.set $kx (i32.const 0))
                        (block $kxdone
                          (loop $kxl
                            (br_if $kxdone (i32.ge_u (local.get $kx) (local.get $kw)))
                            (local.set $ix
                              (i32.add (local.get $ix0) (i32.mul (local.get $kx) (local.get $dw))))
                            (if (i32.lt_u (local.get $ix) (local.get $inW))
                              (then
                                (local.set $pixel
                                  (i32.add (local.get $row)
                                    (i32.mul (local.get $ix) (local.get $cb))))
                                (local.set $tap
                                  (i32.mul
                                    (i32.add (i32.mul (local.get $ky) (local.get $kw))
                                             (local.get $kx))
                                    (local.get $cb)))
                                (if (local.get $filterGrad)
                                  (then
                                    (call $multiplyAccumulate
                                      (i32.add (local.get $out) (local.get $tap))
                                      (i32.add (local.get $src) (local.get $pixel))
                                      (local.get $pdy) (local.get $c4b) (local.get $cb)))
                                  (else
                                    (call $multiplyAccumulate
                                      (i32.add (local.get $out) (local.get $pixel))
                                      (i32.add (local.get $src) (local.get $tap))
                                      (local.get $pdy) (local.get $c4b) (local.get $cb))))))
                            (local.set $kx (i32.add (local.get $kx) (i32.const 1)))
                            (br $kxl)))))
                    (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
                    (br $kyl)))
                (local.set $pdy (i32.add (local.get $pdy) (local.get $cb)))
                (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
                (br $xl)))
            (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
            (br $yl)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $bl))))

;; Per-channel sums over the rows of [rows, cols] float32 matrices a and b:
  ;; sumOut[c] = Σ_r (a[r, c] − aCenter[c]) and dotOut[c] = Σ_r (a[r, c] − aCenter[c]) · (b[r, c] − center[c])
  ;; (with a = b and both centers a's first row: shifted sums giving the mean and variance in one
  ;; pass; with a = dy, aCenter = 0, b = x, center = mean: the batch-norm gradient's two sums).
  ;; Chunks of 16 rows accumulate in float32 registers, then in float64 in `scratch`
  ;; (cols × 16 bytes); results are written as float32.
  (func (export "channelMoments")
    (param $a i32) (param $aCenter i32) (param $b i32) (param $center i32) (param $rows i32)
    (param $cols i32) (param $sumOut i32) (param $dotOut i32) (param $scratch i32)
    (local $r0 i32) (local $r1 i32) (local $r i32) (local $c i32) (local $c4 i32) (local $rowBytes i32)
    (local $p i32) (local $off i32) (local $sa i32) (local $sd i32)
    (local $ca v128) (local $cb v128) (local $da v128) (local $accS v128) (local $accD v128)
    (local $fa f64)
    (memory.fill (local.get $scratch) (i32.const 0) (i32.shl (local.get $cols) (i32.const 4)))
    (local.set $sd (i32.add (local.get $scratch) (i32.shl (local.get $cols) (i32.const 3))))
    (local.set $c4 (i32.and (local.get $cols) (i32.const -4)))
    (local.set $rowBytes (i32.shl (local.get $cols) (i32.const 2)))
    (block $chdone
      (loop $chl
        (br_if $chdone (i32.ge_u (local.get $r0) (local.get $rows)))
        (local.set $r1 (i32.add (local.get $r0) (i32.const 16)))
        (if (i32.gt_u (local.get $r1) (local.get $rows)) (then (local.set $r1 (local.get $rows))))
        (local.set $c (i32.const 0))
        (block $vdone
          (loop $vl
            (br_if $vdone (i32.ge_u (local.get $c) (local.get $c4)))
            (local.set $off (i32.shl (local.get $c) (i32.const 2)))
            (local.set $ca (v128.load (i32.add (local.get $aCenter) (local.get $off))))
            (local.set $cb (v128.load (i32.add (local.get $center) (local.get $off))))
            (local.set $accS (v128.const i32x4 0 0 0 0))
            (local.set $accD (v128.const i32x4 0 0 0 0))
            (local.set $p (i32.add (i32.mul (local.get $r0) (local.get $rowBytes)) (local.get $off)))
            (local.set $r (local.get $r0))
            (block $rdone
              (loop $rl
                (br_if $rdone (i32.ge_u (local.get $r) (local.get $r1)))
                (local.set $da
                  (f32x4.sub (v128.load (i32.add (local.get $a) (local.get $p))) (local.get $ca)))
                (local.set $accS (f32x4.add (local.get $accS) (local.get $da)))
                (local.set $accD
                  (f32x4.add (local.get $accD)
                    (f32x4.mul (local.get $da)
                      (f32x4.sub (v128.load (i32.add (local.get $b) (local.get $p))) (local.get $cb)))))
                (local.set $p (i32.add (local.get $p) (local.get $rowBytes)))
                (local.set $r (i32.add (local.get $r) (i32.const 1)))
                (br $rl)))
            (local.set $sa (i32.add (local.get $scratch) (i32.shl (local.get $c) (i32.const 3))))
            (v128.store (local.get $sa)
              (f64x2.add (v128.load (local.get $sa)) (f64x2.promote_low_f32x4 (local.get $accS))))
            (v128.store offset=16 (local.get $sa)
              (f64x2.add (v128.load offset=16 (local.get $sa))
                (f64x2.promote_low_f32x4
                  (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7
                    (local.get $accS) (local.get $accS)))))
            (local.set $sa (i32.add (local.get $sd) (i32.shl (local.get $c) (i32.const 3))))
            (v128.store (local.get $sa)
              (f64x2.add (v128.load (local.get $sa)) (f64x2.promote_low_f32x4 (local.get $accD))))
            (v128.store offset=16 (local.get $sa)
              (f64x2.add (v128.load offset=16 (local.get $sa))
                (f64x2.promote_low_f32x4
                  (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7
                    (local.get $accD) (local.get $accD)))))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $vl)))
        (local.set $r0 (local.get $r1))
        (br $chl)))
    ;; channels past the last multiple of 4, one at a time over every row
    (local.set $c (local.get $c4))
    (block $tdone
      (loop $tl
        (br_if $tdone (i32.ge_u (local.get $c) (local.get $cols)))
        (local.set $off (i32.shl (local.get $c) (i32.const 2)))
        (local.set $sa (i32.add (local.get $scratch) (i32.shl (local.get $c) (i32.const 3))))
        (local.set $p (local.get $off))
        (local.set $r (i32.const 0))
        (block $sdone
          (loop $sl
            (br_if $sdone (i32.ge_u (local.get $r) (local.get $rows)))
            (local.set $fa
              (f64.promote_f32
                (f32.sub (f32.load (i32.add (local.get $a) (local.get $p)))
                  (f32.load (i32.add (local.get $aCenter) (local.get $off))))))
            (f64.store (local.get $sa) (f64.add (f64.load (local.get $sa)) (local.get $fa)))
            (f64.store (i32.add (local.get $sa) (i32.shl (local.get $cols) (i32.const 3)))
              (f64.add (f64.load (i32.add (local.get $sa) (i32.shl (local.get $cols) (i32.const 3))))
                (f64.mul (local.get $fa)
                  (f64.promote_f32
                    (f32.sub (f32.load (i32.add (local.get $b) (local.get $p)))
                      (f32.load (i32.add (local.get $center) (local.get $off))))))))
            (local.set $p (i32.add (local.get $p) (local.get $rowBytes)))
            (local.set $r (i32.add (local.get $r) (i32.const 1)))
            (br $sl)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $tl)))
    (local.set $c (i32.const 0))
    (block $odone
      (loop $ol
        (br_if $odone (i32.ge_u (local.get $c) (local.get $cols)))
        (local.set $sa (i32.shl (local.get $c) (i32.const 3)))
        (f32.store (i32.add (local.get $sumOut) (i32.shl (local.get $c) (i32.const 2)))
          (f32.demote_f64 (f64.load (i32.add (local.get $scratch) (local.get $sa)))))
        (f32.store (i32.add (local.get $dotOut) (i32.shl (local.get $c) (i32.const 2)))
          (f32.demote_f64 (f64.load (i32.add (local.get $sd) (local.get $sa)))))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $ol))))

    ;; out[r, c] = p[c] · a[r, c] + q[c] · b[r, c] + k[c] over [rows, cols] float32 matrices (the
  ;; batch-norm forward pass with p = 0, b = x; its input gradient with a = dy, b = x).
  (func (export "channelAffine")
    (param $a i32) (param $b i32) (param $p i32) (param $q i32) (param $k i32)
    (param $rows i32) (param $cols i32) (param $out i32)
    (local $r i32) (local $c i32) (local $c4b i32) (local $cb i32) (local $o i32)
    (local.set $cb (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $c4b (i32.shl (i32.and (local.get $cols) (i32.const -4)) (i32.const 2)))
    (block $rdone
      (loop $rl
        (br_if $rdone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $c (i32.const 0))
        (block $vdone
          (loop $vl
            (br_if $vdone (i32.ge_u (local.get $c) (local.get $c4b)))
            (v128.store (i32.add (local.get $out) (i32.add (local.get $o) (local.get $c)))
              (f32x4.add
                (f32x4.add
                  (f32x4.mul (v128.load (i32.add (local.get $p) (local.get $c)))
                    (v128.load (i32.add (local.get $a) (i32.add (local.get $o) (local.get $c)))))
                  (f32x4.mul (v128.load (i32.add (local.get $q) (local.get $c)))
                    (v128.load (i32.add (local.get $b) (i32.add (local.get $o) (local.get $c))))))
                (v128.load (i32.add (local.get $k) (local.get $c)))))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br $vl)))
        (block $sdone
          (loop $sl
            (br_if $sdone (i32.ge_u (local.get $c) (local.get $cb)))
            (f32.store (i32.add (local.get $out) (i32.add (local.get $o) (local.get $c)))
              (f32.add
                (f32.add
                  (f32.mul (f32.load (i32.add (local.get $p) (local.get $c)))
                    (f32.load (i32.add (local.get $a) (i32.add (local.get $o) (local.get $c)))))
                  (f32.mul (f32.load (i32.add (local.get $q) (local.get $c)))
                    (f32.load (i32.add (local.get $b) (i32.add (local.get $o) (local.get $c))))))
                (f32.load (i32.add (local.get $k) (local.get $c)))))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $sl)))
        (local.set $o (i32.add (local.get $o) (local.get $cb)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rl))))

  ;; out[i, j] = Σ_r a[r, i] · b[r, j] for row-major a [rows, ca] and b [rows, cb] (aᵀ·b: the
  ;; filter gradient of a 1×1 convolution, a = x and b = dy over all pixels, or of a dense layer).
  ;; 4 × 8 output blocks accumulate in registers over chunks of 64 rows; the last ca % 4 rows and
  ;; cb % 8 columns of out are scalar dot products ($dotColumns).
  (func (export "gemmTransposedA")
    (param $a i32) (param $b i32) (param $out i32) (param $rows i32) (param $ca i32) (param $cb i32)
    (local $strideA i32) (local $strideB i32) (local $r0 i32) (local $r1 i32) (local $r i32)
    (local $i i32) (local $j i32) (local $pa i32) (local $pb i32) (local $po i32)
    (local $s v128) (local $b0 v128) (local $b1 v128)
    (local $acc00 v128) (local $acc01 v128) (local $acc10 v128) (local $acc11 v128) (local $acc20 v128) (local $acc21 v128) (local $acc30 v128) (local $acc31 v128)
    (local.set $strideA (i32.shl (local.get $ca) (i32.const 2)))
    (local.set $strideB (i32.shl (local.get $cb) (i32.const 2)))
    (memory.fill (local.get $out) (i32.const 0) (i32.mul (local.get $ca) (local.get $strideB)))
    (block $cdone
      (loop $cl
        (br_if $cdone (i32.ge_u (local.get $r0) (local.get $rows)))
        (local.set $r1 (i32.add (local.get $r0) (i32.const 64)))
        (if (i32.gt_u (local.get $r1) (local.get $rows)) (then (local.set $r1 (local.get $rows))))
        (local.set $i (i32.const 0))
        (block $idone
          (loop $il
            (br_if $idone (i32.ge_u (local.get $i) (i32.and (local.get $ca) (i32.const -4))))
            (local.set $j (i32.const 0))
            (block $jdone
              (loop $jl
                (br_if $jdone (i32.ge_u (local.get $j) (i32.and (local.get $cb) (i32.const -8))))
            (local.set $acc00 (v128.const i32x4 0 0 0 0))
            (local.set $acc01 (v128.const i32x4 0 0 0 0))
            (local.set $acc10 (v128.const i32x4 0 0 0 0))
            (local.set $acc11 (v128.const i32x4 0 0 0 0))
            (local.set $acc20 (v128.const i32x4 0 0 0 0))
            (local.set $acc21 (v128.const i32x4 0 0 0 0))
            (local.set $acc30 (v128.const i32x4 0 0 0 0))
            (local.set $acc31 (v128.const i32x4 0 0 0 0))
                (local.set $pa (i32.add (local.get $a)
                  (i32.add (i32.mul (local.get $r0) (local.get $strideA)) (i32.shl (local.get $i) (i32.const 2)))))
                (local.set $pb (i32.add (local.get $b)
                  (i32.add (i32.mul (local.get $r0) (local.get $strideB)) (i32.shl (local.get $j) (i32.const 2)))))
                (local.set $r (local.get $r0))
                (block $rdone
                  (loop $rl
                    (br_if $rdone (i32.ge_u (local.get $r) (local.get $r1)))
                    (local.set $b0 (v128.load (local.get $pb)))
                    (local.set $b1 (v128.load offset=16 (local.get $pb)))
                (local.set $s (v128.load32_splat offset=0 (local.get $pa)))
                (local.set $acc00 (f32x4.add (local.get $acc00) (f32x4.mul (local.get $s) (local.get $b0))))
                (local.set $acc01 (f32x4.add (local.get $acc01) (f32x4.mul (local.get $s) (local.get $b1))))
                (local.set $s (v128.load32_splat offset=4 (local.get $pa)))
                (local.set $acc10 (f32x4.add (local.get $acc10) (f32x4.mul (local.get $s) (local.get $b0))))
                (local.set $acc11 (f32x4.add (local.get $acc11) (f32x4.mul (local.get $s) (local.get $b1))))
                (local.set $s (v128.load32_splat offset=8 (local.get $pa)))
                (local.set $acc20 (f32x4.add (local.get $acc20) (f32x4.mul (local.get $s) (local.get $b0))))
                (local.set $acc21 (f32x4.add (local.get $acc21) (f32x4.mul (local.get $s) (local.get $b1))))
                (local.set $s (v128.load32_splat offset=12 (local.get $pa)))
                (local.set $acc30 (f32x4.add (local.get $acc30) (f32x4.mul (local.get $s) (local.get $b0))))
                (local.set $acc31 (f32x4.add (local.get $acc31) (f32x4.mul (local.get $s) (local.get $b1))))
                    (local.set $pa (i32.add (local.get $pa) (local.get $strideA)))
                    (local.set $pb (i32.add (local.get $pb) (local.get $strideB)))
                    (local.set $r (i32.add (local.get $r) (i32.const 1)))
                    (br $rl)))
                (local.set $po (i32.add (local.get $out)
                  (i32.shl (i32.add (i32.mul (local.get $i) (local.get $cb)) (local.get $j)) (i32.const 2))))
            (v128.store offset=0 (local.get $po) (f32x4.add (v128.load offset=0 (local.get $po)) (local.get $acc00)))
            (v128.store offset=16 (local.get $po) (f32x4.add (v128.load offset=16 (local.get $po)) (local.get $acc01)))
            (local.set $po (i32.add (local.get $po) (local.get $strideB)))
            (v128.store offset=0 (local.get $po) (f32x4.add (v128.load offset=0 (local.get $po)) (local.get $acc10)))
            (v128.store offset=16 (local.get $po) (f32x4.add (v128.load offset=16 (local.get $po)) (local.get $acc11)))
            (local.set $po (i32.add (local.get $po) (local.get $strideB)))
            (v128.store offset=0 (local.get $po) (f32x4.add (v128.load offset=0 (local.get $po)) (local.get $acc20)))
            (v128.store offset=16 (local.get $po) (f32x4.add (v128.load offset=16 (local.get $po)) (local.get $acc21)))
            (local.set $po (i32.add (local.get $po) (local.get $strideB)))
            (v128.store offset=0 (local.get $po) (f32x4.add (v128.load offset=0 (local.get $po)) (local.get $acc30)))
            (v128.store offset=16 (local.get $po) (f32x4.add (v128.load offset=16 (local.get $po)) (local.get $acc31)))
            (local.set $po (i32.add (local.get $po) (local.get $strideB)))
                (local.set $j (i32.add (local.get $j) (i32.const 8)))
                (br $jl)))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $il)))
        (local.set $r0 (local.get $r1))
        (br $cl)))
    (call $dotColumns (local.get $a) (local.get $b) (local.get $out) (local.get $rows)
      (local.get $ca) (local.get $cb)
      (i32.const 0) (local.get $ca) (i32.and (local.get $cb) (i32.const -8)) (local.get $cb))
    (call $dotColumns (local.get $a) (local.get $b) (local.get $out) (local.get $rows)
      (local.get $ca) (local.get $cb)
      (i32.and (local.get $ca) (i32.const -4)) (local.get $ca)
      (i32.const 0) (i32.and (local.get $cb) (i32.const -8))))

  ;; out[i, j] = Σ_r a[r, i] · b[r, j] (scalar) for i in [i0, i1), j in [j0, j1): the edges of
  ;; gemmTransposedA's blocks.
  (func $dotColumns
    (param $a i32) (param $b i32) (param $out i32) (param $rows i32) (param $ca i32) (param $cb i32)
    (param $i0 i32) (param $i1 i32) (param $j0 i32) (param $j1 i32)
    (local $i i32) (local $j i32) (local $r i32) (local $pa i32) (local $pb i32) (local $acc f32)
    (local $strideA i32) (local $strideB i32)
    (local.set $strideA (i32.shl (local.get $ca) (i32.const 2)))
    (local.set $strideB (i32.shl (local.get $cb) (i32.const 2)))
    (local.set $i (local.get $i0))
    (block $idone
      (loop $il
        (br_if $idone (i32.ge_u (local.get $i) (local.get $i1)))
        (local.set $j (local.get $j0))
        (block $jdone
          (loop $jl
            (br_if $jdone (i32.ge_u (local.get $j) (local.get $j1)))
            (local.set $acc (f32.const 0))
            (local.set $pa (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 2))))
            (local.set $pb (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))))
            (local.set $r (i32.const 0))
            (block $rdone
              (loop $rl
                (br_if $rdone (i32.ge_u (local.get $r) (local.get $rows)))
                (local.set $acc (f32.add (local.get $acc)
                  (f32.mul (f32.load (local.get $pa)) (f32.load (local.get $pb)))))
                (local.set $pa (i32.add (local.get $pa) (local.get $strideA)))
                (local.set $pb (i32.add (local.get $pb) (local.get $strideB)))
                (local.set $r (i32.add (local.get $r) (i32.const 1)))
                (br $rl)))
            (f32.store
              (i32.add (local.get $out)
                (i32.shl (i32.add (i32.mul (local.get $i) (local.get $cb)) (local.get $j)) (i32.const 2)))
              (local.get $acc))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $jl)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $il))))

  ;; dW of a 2-D convolution (NHWC, no dilation, any stride and padding; `top`/`left` are the
  ;; padding before the input) read from the unpadded x [n, inH, inW, cin] and dy [n, oh, ow, cout]:
  ;; dw[ky, kx, ci, co] = Σ x[b, oy·sh + ky − top, ox·sw + kx − left, ci] · dy[b, oy, ox, co], taps
  ;; outside the input skipped. Every tap is an aᵀ·b over the output pixels, blocked as in
  ;; gemmTransposedA (4 × 8 outputs in registers; cin % 4 = 0, cout % 8 = 0) over chunks of
  ;; output rows (≥ 64 pixels) that stay in cache for all taps and blocks.
  (func (export "convFilterGradBlocked")
    (param $x i32) (param $dy i32) (param $dw i32)
    (param $n i32) (param $inH i32) (param $inW i32) (param $cin i32)
    (param $oh i32) (param $ow i32) (param $kh i32) (param $kw i32) (param $cout i32)
    (param $sh i32) (param $sw i32) (param $top i32) (param $left i32)
    (local $rowsOut i32) (local $chunk i32) (local $q0 i32) (local $q1 i32) (local $q i32)
    (local $ky i32) (local $kx i32) (local $oxLo i32) (local $oxHi i32) (local $t i32)
    (local $i i32) (local $j i32) (local $b i32) (local $iy i32)
    (local $pixA i32) (local $strideA i32) (local $strideB i32)
    (local $pa i32) (local $pb i32) (local $end i32) (local $po i32)
    (local $s v128) (local $b0 v128) (local $b1 v128)
    (local $acc00 v128) (local $acc01 v128) (local $acc10 v128) (local $acc11 v128) (local $acc20 v128) (local $acc21 v128) (local $acc30 v128) (local $acc31 v128)
    (local.set $pixA (i32.shl (local.get $cin) (i32.const 2)))
    (local.set $strideA (i32.mul (local.get $sw) (local.get $pixA)))
    (local.set $strideB (i32.shl (local.get $cout) (i32.const 2)))
    (memory.fill (local.get $dw) (i32.const 0)
      (i32.mul (i32.mul (i32.mul (local.get $kh) (local.get $kw)) (local.get $cin))
               (local.get $strideB)))
    (local.set $rowsOut (i32.mul (local.get $n) (local.get $oh)))
    (local.set $chunk (i32.div_u (i32.add (local.get $ow) (i32.const 63)) (local.get $ow)))
    (block $cdone
      (loop $cl
        (br_if $cdone (i32.ge_u (local.get $q0) (local.get $rowsOut)))
        (local.set $q1 (i32.add (local.get $q0) (local.get $chunk)))
        (if (i32.gt_u (local.get $q1) (local.get $rowsOut)) (then (local.set $q1 (local.get $rowsOut))))
        (local.set $ky (i32.const 0))
        (block $kydone
          (loop $kyl
            (br_if $kydone (i32.ge_u (local.get $ky) (local.get $kh)))
            (local.set $kx (i32.const 0))
            (block $kxdone
              (loop $kxl
                (br_if $kxdone (i32.ge_u (local.get $kx) (local.get $kw)))
                ;; output columns whose tap kx lands inside the input: [oxLo, oxHi)
                (local.set $oxLo (i32.const 0))
                (if (i32.gt_s (local.get $left) (local.get $kx))
                  (then (local.set $oxLo
                    (i32.div_u
                      (i32.add (i32.sub (local.get $left) (local.get $kx)) (i32.sub (local.get $sw) (i32.const 1)))
                      (local.get $sw)))))
                (local.set $t (i32.sub (i32.add (local.get $inW) (local.get $left))
                                       (i32.add (local.get $kx) (i32.const 1))))
                (local.set $oxHi (i32.const 0))
                (if (i32.ge_s (local.get $t) (i32.const 0))
                  (then (local.set $oxHi (i32.add (i32.div_u (local.get $t) (local.get $sw)) (i32.const 1)))))
                (if (i32.gt_u (local.get $oxHi) (local.get $ow)) (then (local.set $oxHi (local.get $ow))))
                (if (i32.lt_u (local.get $oxLo) (local.get $oxHi))
                  (then
                    (local.set $i (i32.const 0))
                    (block $idone
                      (loop $il
                        (br_if $idone (i32.ge_u (local.get $i) (local.get $cin)))
                        (local.set $j (i32.const 0))
                        (block $jdone
                          (loop $jl
                            (br_if $jdone (i32.ge_u (local.get $j) (local.get $cout)))
            (local.set $acc00 (v128.const i32x4 0 0 0 0))
            (local.set $acc01 (v128.const i32x4 0 0 0 0))
            (local.set $acc10 (v128.const i32x4 0 0 0 0))
            (local.set $acc11 (v128.const i32x4 0 0 0 0))
            (local.set $acc20 (v128.const i32x4 0 0 0 0))
            (local.set $acc21 (v128.const i32x4 0 0 0 0))
            (local.set $acc30 (v128.const i32x4 0 0 0 0))
            (local.set $acc31 (v128.const i32x4 0 0 0 0))
                            (local.set $q (local.get $q0))
                            (block $qdone
                              (loop $ql
                                (br_if $qdone (i32.ge_u (local.get $q) (local.get $q1)))
                                (local.set $b (i32.div_u (local.get $q) (local.get $oh)))
                                (local.set $iy
                                  (i32.sub
                                    (i32.add
                                      (i32.mul (i32.sub (local.get $q) (i32.mul (local.get $b) (local.get $oh)))
                                               (local.get $sh))
                                      (local.get $ky))
                                    (local.get $top)))
                                ;; unsigned: a negative row is out of range too
                                (if (i32.lt_u (local.get $iy) (local.get $inH))
                                  (then
                                    (local.set $pa (i32.add (local.get $x)
                                      (i32.add
                                        (i32.mul
                                          (i32.sub
                                            (i32.add
                                              (i32.mul
                                                (i32.add (i32.mul (local.get $b) (local.get $inH)) (local.get $iy))
                                                (local.get $inW))
                                              (i32.add (i32.mul (local.get $oxLo) (local.get $sw)) (local.get $kx)))
                                            (local.get $left))
                                          (local.get $pixA))
                                        (i32.shl (local.get $i) (i32.const 2)))))
                                    (local.set $pb (i32.add (local.get $dy)
                                      (i32.add
                                        (i32.mul (i32.add (i32.mul (local.get $q) (local.get $ow)) (local.get $oxLo))
                                                 (local.get $strideB))
                                        (i32.shl (local.get $j) (i32.const 2)))))
                                    (local.set $end (i32.add (local.get $pb)
                                      (i32.mul (i32.sub (local.get $oxHi) (local.get $oxLo)) (local.get $strideB))))
                                    (block $rdone
                                      (loop $rl
                                        (br_if $rdone (i32.ge_u (local.get $pb) (local.get $end)))
                                        (local.set $b0 (v128.load (local.get $pb)))
                                        (local.set $b1 (v128.load offset=16 (local.get $pb)))
                (local.set $s (v128.load32_splat offset=0 (local.get $pa)))
                (local.set $acc00 (f32x4.add (local.get $acc00) (f32x4.mul (local.get $s) (local.get $b0))))
                (local.set $acc01 (f32x4.add (local.get $acc01) (f32x4.mul (local.get $s) (local.get $b1))))
                (local.set $s (v128.load32_splat offset=4 (local.get $pa)))
                (local.set $acc10 (f32x4.add (local.get $acc10) (f32x4.mul (local.get $s) (local.get $b0))))
                (local.set $acc11 (f32x4.add (local.get $acc11) (f32x4.mul (local.get $s) (local.get $b1))))
                (local.set $s (v128.load32_splat offset=8 (local.get $pa)))
                (local.set $acc20 (f32x4.add (local.get $acc20) (f32x4.mul (local.get $s) (local.get $b0))))
                (local.set $acc21 (f32x4.add (local.get $acc21) (f32x4.mul (local.get $s) (local.get $b1))))
                (local.set $s (v128.load32_splat offset=12 (local.get $pa)))
                (local.set $acc30 (f32x4.add (local.get $acc30) (f32x4.mul (local.get $s) (local.get $b0))))
                (local.set $acc31 (f32x4.add (local.get $acc31) (f32x4.mul (local.get $s) (local.get $b1))))
                                        (local.set $pa (i32.add (local.get $pa) (local.get $strideA)))
                                        (local.set $pb (i32.add (local.get $pb) (local.get $strideB)))
                                        (br $rl)))))
                                (local.set $q (i32.add (local.get $q) (i32.const 1)))
                                (br $ql)))
                            (local.set $po (i32.add (local.get $dw)
                              (i32.shl
                                (i32.add
                                  (i32.mul
                                    (i32.add
                                      (i32.mul (i32.add (i32.mul (local.get $ky) (local.get $kw)) (local.get $kx))
                                               (local.get $cin))
                                      (local.get $i))
                                    (local.get $cout))
                                  (local.get $j))
                                (i32.const 2))))
            (v128.store offset=0 (local.get $po) (f32x4.add (v128.load offset=0 (local.get $po)) (local.get $acc00)))
            (v128.store offset=16 (local.get $po) (f32x4.add (v128.load offset=16 (local.get $po)) (local.get $acc01)))
            (local.set $po (i32.add (local.get $po) (local.get $strideB)))
            (v128.store offset=0 (local.get $po) (f32x4.add (v128.load offset=0 (local.get $po)) (local.get $acc10)))
            (v128.store offset=16 (local.get $po) (f32x4.add (v128.load offset=16 (local.get $po)) (local.get $acc11)))
            (local.set $po (i32.add (local.get $po) (local.get $strideB)))
            (v128.store offset=0 (local.get $po) (f32x4.add (v128.load offset=0 (local.get $po)) (local.get $acc20)))
            (v128.store offset=16 (local.get $po) (f32x4.add (v128.load offset=16 (local.get $po)) (local.get $acc21)))
            (local.set $po (i32.add (local.get $po) (local.get $strideB)))
            (v128.store offset=0 (local.get $po) (f32x4.add (v128.load offset=0 (local.get $po)) (local.get $acc30)))
            (v128.store offset=16 (local.get $po) (f32x4.add (v128.load offset=16 (local.get $po)) (local.get $acc31)))
                            (local.set $j (i32.add (local.get $j) (i32.const 8)))
                            (br $jl)))
                        (local.set $i (i32.add (local.get $i) (i32.const 4)))
                        (br $il)))))
                (local.set $kx (i32.add (local.get $kx) (i32.const 1)))
                (br $kxl)))
            (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
            (br $kyl)))
        (local.set $q0 (local.get $q1))
        (br $cl))))

  ;; dx of a 2-D convolution (NHWC, no dilation, any stride and padding; `top`/`left` are the
  ;; padding before the input) from dy [n, oh, ow, cout] and the filter transposed to
  ;; wt [kh, kw, cout, cin]: every dy pixel adds dy[b, oy, ox, :] · wt[ky, kx]ᵀ to
  ;; dx[b, oy·sh + ky − top, ox·sw + kx − left, :] for the taps inside the input (no padded dy, no
  ;; multiplications by padding). Needs cin % 8 = 0: 4 dy pixels × 8 input channels accumulate in
  ;; registers over the out channels (a run's last 1–3 pixels as a 4-pixel block overlapping the
  ;; previous one that adds only its new pixels to dx); dy rows outermost, so the few dx rows they
  ;; reach stay in cache.
  (func (export "convInputGradBlocked")
    (param $dy i32) (param $wt i32) (param $dx i32)
    (param $n i32) (param $inH i32) (param $inW i32) (param $cin i32)
    (param $oh i32) (param $ow i32) (param $kh i32) (param $kw i32) (param $cout i32)
    (param $sh i32) (param $sw i32) (param $top i32) (param $left i32)
    (local $q i32) (local $rowsOut i32) (local $b i32) (local $iy i32)
    (local $ky i32) (local $kx i32) (local $oxLo i32) (local $oxHi i32) (local $t i32) (local $ox i32)
    (local $j i32) (local $pwTap i32) (local $pw i32) (local $pd i32) (local $pdEnd i32)
    (local $px i32) (local $po i32) (local $dxRow i32) (local $skip i32)
    (local $rowB i32) (local $pixX i32) (local $strideX i32) (local $strideW i32)
    (local $r0 i32) (local $r1 i32) (local $r2 i32) (local $r3 i32)
    (local $s v128) (local $b0 v128) (local $b1 v128)
    (local $acc00 v128) (local $acc01 v128) (local $acc10 v128) (local $acc11 v128) (local $acc20 v128) (local $acc21 v128) (local $acc30 v128) (local $acc31 v128)
    (local.set $rowB (i32.shl (local.get $cout) (i32.const 2)))
    (local.set $pixX (i32.shl (local.get $cin) (i32.const 2)))
    (local.set $strideX (i32.mul (local.get $sw) (local.get $pixX)))
    (local.set $strideW (local.get $pixX))
    (local.set $r1 (local.get $rowB))
    (local.set $r2 (i32.shl (local.get $rowB) (i32.const 1)))
    (local.set $r3 (i32.add (local.get $r2) (local.get $rowB)))
    (local.set $r0 (i32.const 0))
    (memory.fill (local.get $dx) (i32.const 0)
      (i32.mul (i32.mul (i32.mul (local.get $n) (local.get $inH)) (local.get $inW)) (local.get $pixX)))
    (local.set $rowsOut (i32.mul (local.get $n) (local.get $oh)))
    (block $qdone
      (loop $ql
        (br_if $qdone (i32.ge_u (local.get $q) (local.get $rowsOut)))
        (local.set $b (i32.div_u (local.get $q) (local.get $oh)))
        (local.set $ky (i32.const 0))
        (block $kydone
          (loop $kyl
            (br_if $kydone (i32.ge_u (local.get $ky) (local.get $kh)))
            (local.set $iy
              (i32.sub
                (i32.add
                  (i32.mul (i32.sub (local.get $q) (i32.mul (local.get $b) (local.get $oh))) (local.get $sh))
                  (local.get $ky))
                (local.get $top)))
            (if (i32.lt_u (local.get $iy) (local.get $inH))
              (then
                (local.set $dxRow (i32.add (local.get $dx)
                  (i32.mul (i32.mul (i32.add (i32.mul (local.get $b) (local.get $inH)) (local.get $iy))
                                    (local.get $inW))
                           (local.get $pixX))))
                (local.set $kx (i32.const 0))
                (block $kxdone
                  (loop $kxl
                    (br_if $kxdone (i32.ge_u (local.get $kx) (local.get $kw)))
                    (local.set $oxLo (i32.const 0))
                    (if (i32.gt_s (local.get $left) (local.get $kx))
                      (then (local.set $oxLo
                        (i32.div_u
                          (i32.add (i32.sub (local.get $left) (local.get $kx)) (i32.sub (local.get $sw) (i32.const 1)))
                          (local.get $sw)))))
                    (local.set $t (i32.sub (i32.add (local.get $inW) (local.get $left))
                                           (i32.add (local.get $kx) (i32.const 1))))
                    (local.set $oxHi (i32.const 0))
                    (if (i32.ge_s (local.get $t) (i32.const 0))
                      (then (local.set $oxHi (i32.add (i32.div_u (local.get $t) (local.get $sw)) (i32.const 1)))))
                    (if (i32.gt_u (local.get $oxHi) (local.get $ow)) (then (local.set $oxHi (local.get $ow))))
                    (local.set $pwTap (i32.add (local.get $wt)
                      (i32.mul (i32.add (i32.mul (local.get $ky) (local.get $kw)) (local.get $kx))
                               (i32.mul (local.get $cout) (local.get $pixX)))))
                    (local.set $j (i32.const 0))
                    (block $jdone
                      (loop $jl
                        (br_if $jdone (i32.ge_u (local.get $j) (local.get $cin)))
                        (local.set $ox (local.get $oxLo))
                        ;; blocks of 4 dy pixels, then single pixels
                        (block $odone
                          (loop $ol
                            (br_if $odone (i32.ge_u (local.get $ox) (local.get $oxHi)))
                            ;; the last 1–3 pixels of a run: one 4-pixel block ending at oxHi whose
                            ;; first `skip` pixels (done already) are computed but not added to dx
                            (local.set $skip (i32.const 0))
                            (if (i32.and
                                  (i32.gt_u (i32.add (local.get $ox) (i32.const 4)) (local.get $oxHi))
                                  (i32.ge_u (local.get $oxHi) (i32.add (local.get $oxLo) (i32.const 4))))
                              (then
                                (local.set $skip (i32.sub (i32.add (local.get $ox) (i32.const 4)) (local.get $oxHi)))
                                (local.set $ox (i32.sub (local.get $oxHi) (i32.const 4)))))
                            (local.set $acc00 (v128.const i32x4 0 0 0 0))
                            (local.set $acc01 (v128.const i32x4 0 0 0 0))
                            (local.set $acc10 (v128.const i32x4 0 0 0 0))
                            (local.set $acc11 (v128.const i32x4 0 0 0 0))
                            (local.set $acc20 (v128.const i32x4 0 0 0 0))
                            (local.set $acc21 (v128.const i32x4 0 0 0 0))
                            (local.set $acc30 (v128.const i32x4 0 0 0 0))
                            (local.set $acc31 (v128.const i32x4 0 0 0 0))
                            (local.set $pd (i32.add (local.get $dy)
                              (i32.mul (i32.add (i32.mul (local.get $q) (local.get $ow)) (local.get $ox)) (local.get $rowB))))
                            (local.set $pdEnd (i32.add (local.get $pd) (local.get $rowB)))
                            (local.set $pw (i32.add (local.get $pwTap) (i32.shl (local.get $j) (i32.const 2))))
                            (local.set $px (i32.add (local.get $dxRow)
                              (i32.add
                                (i32.mul
                                  (i32.sub (i32.add (i32.mul (local.get $ox) (local.get $sw)) (local.get $kx)) (local.get $left))
                                  (local.get $pixX))
                                (i32.shl (local.get $j) (i32.const 2)))))
                            (if (i32.le_u (i32.add (local.get $ox) (i32.const 4)) (local.get $oxHi))
                              (then
                                (block $cdone
                                  (loop $cl
                                    (br_if $cdone (i32.ge_u (local.get $pd) (local.get $pdEnd)))
                                    (local.set $b0 (v128.load (local.get $pw)))
                                    (local.set $b1 (v128.load offset=16 (local.get $pw)))
                                (local.set $s (v128.load32_splat (i32.add (local.get $pd) (local.get $r0))))
                                (local.set $acc00 (f32x4.add (local.get $acc00) (f32x4.mul (local.get $s) (local.get $b0))))
                                (local.set $acc01 (f32x4.add (local.get $acc01) (f32x4.mul (local.get $s) (local.get $b1))))
                                (local.set $s (v128.load32_splat (i32.add (local.get $pd) (local.get $r1))))
                                (local.set $acc10 (f32x4.add (local.get $acc10) (f32x4.mul (local.get $s) (local.get $b0))))
                                (local.set $acc11 (f32x4.add (local.get $acc11) (f32x4.mul (local.get $s) (local.get $b1))))
                                (local.set $s (v128.load32_splat (i32.add (local.get $pd) (local.get $r2))))
                                (local.set $acc20 (f32x4.add (local.get $acc20) (f32x4.mul (local.get $s) (local.get $b0))))
                                (local.set $acc21 (f32x4.add (local.get $acc21) (f32x4.mul (local.get $s) (local.get $b1))))
                                (local.set $s (v128.load32_splat (i32.add (local.get $pd) (local.get $r3))))
                                (local.set $acc30 (f32x4.add (local.get $acc30) (f32x4.mul (local.get $s) (local.get $b0))))
                                (local.set $acc31 (f32x4.add (local.get $acc31) (f32x4.mul (local.get $s) (local.get $b1))))
                                    (local.set $pw (i32.add (local.get $pw) (local.get $strideW)))
                                    (local.set $pd (i32.add (local.get $pd) (i32.const 4)))
                                    (br $cl)))
                                (if (i32.le_u (local.get $skip) (i32.const 0))
                                  (then
                                (local.set $po (i32.add (local.get $px) (i32.mul (i32.const 0) (local.get $strideX))))
                                (v128.store offset=0 (local.get $po) (f32x4.add (v128.load offset=0 (local.get $po)) (local.get $acc00)))
                                (v128.store offset=16 (local.get $po) (f32x4.add (v128.load offset=16 (local.get $po)) (local.get $acc01)))))
                                (if (i32.le_u (local.get $skip) (i32.const 1))
                                  (then
                                (local.set $po (i32.add (local.get $px) (i32.mul (i32.const 1) (local.get $strideX))))
                                (v128.store offset=0 (local.get $po) (f32x4.add (v128.load offset=0 (local.get $po)) (local.get $acc10)))
                                (v128.store offset=16 (local.get $po) (f32x4.add (v128.load offset=16 (local.get $po)) (local.get $acc11)))))
                                (if (i32.le_u (local.get $skip) (i32.const 2))
                                  (then
                                (local.set $po (i32.add (local.get $px) (i32.mul (i32.const 2) (local.get $strideX))))
                                (v128.store offset=0 (local.get $po) (f32x4.add (v128.load offset=0 (local.get $po)) (local.get $acc20)))
                                (v128.store offset=16 (local.get $po) (f32x4.add (v128.load offset=16 (local.get $po)) (local.get $acc21)))))
                                (local.set $po (i32.add (local.get $px) (i32.mul (i32.const 3) (local.get $strideX))))
                                (v128.store offset=0 (local.get $po) (f32x4.add (v128.load offset=0 (local.get $po)) (local.get $acc30)))
                                (v128.store offset=16 (local.get $po) (f32x4.add (v128.load offset=16 (local.get $po)) (local.get $acc31)))
                                (local.set $ox (i32.add (local.get $ox) (i32.const 4))))
                              (else
                                (block $c1done
                                  (loop $c1l
                                    (br_if $c1done (i32.ge_u (local.get $pd) (local.get $pdEnd)))
                                    (local.set $s (v128.load32_splat (local.get $pd)))
                                    (local.set $acc00 (f32x4.add (local.get $acc00) (f32x4.mul (local.get $s) (v128.load (local.get $pw)))))
                                    (local.set $acc01 (f32x4.add (local.get $acc01) (f32x4.mul (local.get $s) (v128.load offset=16 (local.get $pw)))))
                                    (local.set $pw (i32.add (local.get $pw) (local.get $strideW)))
                                    (local.set $pd (i32.add (local.get $pd) (i32.const 4)))
                                    (br $c1l)))
                                (v128.store offset=0 (local.get $px) (f32x4.add (v128.load offset=0 (local.get $px)) (local.get $acc00)))
                                (v128.store offset=16 (local.get $px) (f32x4.add (v128.load offset=16 (local.get $px)) (local.get $acc01)))
                                (local.set $ox (i32.add (local.get $ox) (i32.const 1)))))
                            (br $ol)))
                        (local.set $j (i32.add (local.get $j) (i32.const 8)))
                        (br $jl)))
                    (local.set $kx (i32.add (local.get $kx) (i32.const 1)))
                    (br $kxl)))))
            (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
            (br $kyl)))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br $ql))))

  ;; dW of a 3×3 convolution with few input channels (NHWC, no dilation, any stride) from the
  ;; padded input xp [n, hp, wp, cin] and dy [n, oh, ow, cout] (cout % 4 = 0): per input channel
  ;; and 4 out channels, the 9 taps accumulate in registers over chunks of output rows (≥ 64
  ;; pixels), where convFilterGrad adds every product to dW in memory.
  (func (export "convFilterGrad3x3")
    (param $xp i32) (param $dy i32) (param $dw i32)
    (param $n i32) (param $hp i32) (param $wp i32) (param $cin i32)
    (param $oh i32) (param $ow i32) (param $cout i32) (param $sh i32) (param $sw i32)
    (local $rowsOut i32) (local $chunk i32) (local $q0 i32) (local $q1 i32) (local $q i32)
    (local $b i32) (local $oy i32) (local $ci i32) (local $co i32)
    (local $pixX i32) (local $rowX i32) (local $strideX i32) (local $rowB i32) (local $tapStride i32)
    (local $row0 i32) (local $row1 i32) (local $row2 i32) (local $col0 i32) (local $col1 i32) (local $col2 i32)
    (local $px i32) (local $pd i32) (local $pdEnd i32) (local $pw i32) (local $po i32)
    (local $d v128)
    (local $t00 v128) (local $t01 v128) (local $t02 v128) (local $t10 v128) (local $t11 v128) (local $t12 v128) (local $t20 v128) (local $t21 v128) (local $t22 v128)
    (local.set $pixX (i32.shl (local.get $cin) (i32.const 2)))
    (local.set $rowX (i32.mul (local.get $wp) (local.get $pixX)))
    (local.set $strideX (i32.mul (local.get $sw) (local.get $pixX)))
    (local.set $rowB (i32.shl (local.get $cout) (i32.const 2)))
    (local.set $tapStride (i32.mul (local.get $cin) (local.get $rowB)))
    (local.set $row0 (i32.const 0))
    (local.set $row1 (local.get $rowX))
    (local.set $row2 (i32.shl (local.get $rowX) (i32.const 1)))
    (local.set $col0 (i32.const 0))
    (local.set $col1 (local.get $pixX))
    (local.set $col2 (i32.shl (local.get $pixX) (i32.const 1)))
    (memory.fill (local.get $dw) (i32.const 0) (i32.mul (i32.const 9) (local.get $tapStride)))
    (local.set $rowsOut (i32.mul (local.get $n) (local.get $oh)))
    (local.set $chunk (i32.div_u (i32.add (local.get $ow) (i32.const 63)) (local.get $ow)))
    (block $cdone
      (loop $cl
        (br_if $cdone (i32.ge_u (local.get $q0) (local.get $rowsOut)))
        (local.set $q1 (i32.add (local.get $q0) (local.get $chunk)))
        (if (i32.gt_u (local.get $q1) (local.get $rowsOut)) (then (local.set $q1 (local.get $rowsOut))))
        (local.set $ci (i32.const 0))
        (block $cidone
          (loop $cil
            (br_if $cidone (i32.ge_u (local.get $ci) (local.get $cin)))
            (local.set $co (i32.const 0))
            (block $codone
              (loop $col
                (br_if $codone (i32.ge_u (local.get $co) (local.get $rowB)))
                (local.set $t00 (v128.const i32x4 0 0 0 0))
                (local.set $t01 (v128.const i32x4 0 0 0 0))
                (local.set $t02 (v128.const i32x4 0 0 0 0))
                (local.set $t10 (v128.const i32x4 0 0 0 0))
                (local.set $t11 (v128.const i32x4 0 0 0 0))
                (local.set $t12 (v128.const i32x4 0 0 0 0))
                (local.set $t20 (v128.const i32x4 0 0 0 0))
                (local.set $t21 (v128.const i32x4 0 0 0 0))
                (local.set $t22 (v128.const i32x4 0 0 0 0))
                (local.set $q (local.get $q0))
                (block $qdone
                  (loop $ql
                    (br_if $qdone (i32.ge_u (local.get $q) (local.get $q1)))
                    (local.set $b (i32.div_u (local.get $q) (local.get $oh)))
                    (local.set $oy (i32.sub (local.get $q) (i32.mul (local.get $b) (local.get $oh))))
                    (local.set $px (i32.add (local.get $xp)
                      (i32.add
                        (i32.mul
                          (i32.add (i32.mul (local.get $b) (local.get $hp)) (i32.mul (local.get $oy) (local.get $sh)))
                          (local.get $rowX))
                        (i32.shl (local.get $ci) (i32.const 2)))))
                    (local.set $pd (i32.add (local.get $dy)
                      (i32.add (i32.mul (i32.mul (local.get $q) (local.get $ow)) (local.get $rowB)) (local.get $co))))
                    (local.set $pdEnd (i32.add (local.get $pd) (i32.mul (local.get $ow) (local.get $rowB))))
                    (block $xdone
                      (loop $xl
                        (br_if $xdone (i32.ge_u (local.get $pd) (local.get $pdEnd)))
                        (local.set $d (v128.load (local.get $pd)))
                        (local.set $t00 (f32x4.add (local.get $t00) (f32x4.mul (v128.load32_splat (i32.add (local.get $px) (i32.add (local.get $row0) (local.get $col0)))) (local.get $d))))
                        (local.set $t01 (f32x4.add (local.get $t01) (f32x4.mul (v128.load32_splat (i32.add (local.get $px) (i32.add (local.get $row0) (local.get $col1)))) (local.get $d))))
                        (local.set $t02 (f32x4.add (local.get $t02) (f32x4.mul (v128.load32_splat (i32.add (local.get $px) (i32.add (local.get $row0) (local.get $col2)))) (local.get $d))))
                        (local.set $t10 (f32x4.add (local.get $t10) (f32x4.mul (v128.load32_splat (i32.add (local.get $px) (i32.add (local.get $row1) (local.get $col0)))) (local.get $d))))
                        (local.set $t11 (f32x4.add (local.get $t11) (f32x4.mul (v128.load32_splat (i32.add (local.get $px) (i32.add (local.get $row1) (local.get $col1)))) (local.get $d))))
                        (local.set $t12 (f32x4.add (local.get $t12) (f32x4.mul (v128.load32_splat (i32.add (local.get $px) (i32.add (local.get $row1) (local.get $col2)))) (local.get $d))))
                        (local.set $t20 (f32x4.add (local.get $t20) (f32x4.mul (v128.load32_splat (i32.add (local.get $px) (i32.add (local.get $row2) (local.get $col0)))) (local.get $d))))
                        (local.set $t21 (f32x4.add (local.get $t21) (f32x4.mul (v128.load32_splat (i32.add (local.get $px) (i32.add (local.get $row2) (local.get $col1)))) (local.get $d))))
                        (local.set $t22 (f32x4.add (local.get $t22) (f32x4.mul (v128.load32_splat (i32.add (local.get $px) (i32.add (local.get $row2) (local.get $col2)))) (local.get $d))))
                        (local.set $px (i32.add (local.get $px) (local.get $strideX)))
                        (local.set $pd (i32.add (local.get $pd) (local.get $rowB)))
                        (br $xl)))
                    (local.set $q (i32.add (local.get $q) (i32.const 1)))
                    (br $ql)))
                (local.set $pw (i32.add (local.get $dw)
                  (i32.add (i32.mul (local.get $ci) (local.get $rowB)) (local.get $co))))
                (local.set $po (i32.add (local.get $pw) (i32.mul (i32.const 0) (local.get $tapStride))))
                (v128.store (local.get $po) (f32x4.add (v128.load (local.get $po)) (local.get $t00)))
                (local.set $po (i32.add (local.get $pw) (i32.mul (i32.const 1) (local.get $tapStride))))
                (v128.store (local.get $po) (f32x4.add (v128.load (local.get $po)) (local.get $t01)))
                (local.set $po (i32.add (local.get $pw) (i32.mul (i32.const 2) (local.get $tapStride))))
                (v128.store (local.get $po) (f32x4.add (v128.load (local.get $po)) (local.get $t02)))
                (local.set $po (i32.add (local.get $pw) (i32.mul (i32.const 3) (local.get $tapStride))))
                (v128.store (local.get $po) (f32x4.add (v128.load (local.get $po)) (local.get $t10)))
                (local.set $po (i32.add (local.get $pw) (i32.mul (i32.const 4) (local.get $tapStride))))
                (v128.store (local.get $po) (f32x4.add (v128.load (local.get $po)) (local.get $t11)))
                (local.set $po (i32.add (local.get $pw) (i32.mul (i32.const 5) (local.get $tapStride))))
                (v128.store (local.get $po) (f32x4.add (v128.load (local.get $po)) (local.get $t12)))
                (local.set $po (i32.add (local.get $pw) (i32.mul (i32.const 6) (local.get $tapStride))))
                (v128.store (local.get $po) (f32x4.add (v128.load (local.get $po)) (local.get $t20)))
                (local.set $po (i32.add (local.get $pw) (i32.mul (i32.const 7) (local.get $tapStride))))
                (v128.store (local.get $po) (f32x4.add (v128.load (local.get $po)) (local.get $t21)))
                (local.set $po (i32.add (local.get $pw) (i32.mul (i32.const 8) (local.get $tapStride))))
                (v128.store (local.get $po) (f32x4.add (v128.load (local.get $po)) (local.get $t22)))
                (local.set $co (i32.add (local.get $co) (i32.const 16)))
                (br $col)))
            (local.set $ci (i32.add (local.get $ci) (i32.const 1)))
            (br $cil)))
        (local.set $q0 (local.get $q1))
        (br $cl))))

  ;; y of a 2-D convolution (NHWC, no dilation, any kernel size, stride and padding; `top`/`left`
  ;; are the padding before the input) from x [n, inH, inW, cin] and the filter w [kh, kw, cin, cout]
  ;; (cout % 8 = 0), with the bias [cout] added when hasBias ≠ 0 and the activation applied
  ;; (act: 0 linear, 1 ReLU, 2 ReLU6): 4 output pixels × 8 out channels accumulate in registers over
  ;; every tap and input channel and are stored once. Blocks of 4 pixels whose taps all fall inside
  ;; the input row run unchecked, one loop over a filter row's kw × cin (contiguous in x and w, so
  ;; few-channel layers pay no per-tap loop); pixels near the left/right padding run one at a time, skipping
  ;; the taps outside (no padded copy of x). Output rows outermost, so their input rows stay in cache.
  (func (export "convForwardBlocked")
    (param $x i32) (param $w i32) (param $bias i32) (param $y i32)
    (param $n i32) (param $inH i32) (param $inW i32) (param $cin i32)
    (param $oh i32) (param $ow i32) (param $kh i32) (param $kw i32) (param $cout i32)
    (param $sh i32) (param $sw i32) (param $top i32) (param $left i32)
    (param $hasBias i32) (param $act i32)
    (local $q i32) (local $rowsOut i32) (local $b i32) (local $oy i32) (local $iy i32) (local $ix i32)
    (local $ky i32) (local $kx i32) (local $j i32) (local $ox i32) (local $c i32)
    (local $safeLo i32) (local $safeHi i32) (local $t i32)
    (local $pw i32) (local $pwTap i32) (local $px i32) (local $xRow i32) (local $po i32)
    (local $pixX i32) (local $strideX i32) (local $tapW i32) (local $rowW i32)
    (local $r1 i32) (local $r2 i32) (local $r3 i32) (local $kwCin i32)
    (local $s v128) (local $b0 v128) (local $b1 v128) (local $bias0 v128) (local $bias1 v128)
    (local $zero v128) (local $six v128)
    (local $acc00 v128) (local $acc01 v128) (local $acc10 v128) (local $acc11 v128) (local $acc20 v128) (local $acc21 v128) (local $acc30 v128) (local $acc31 v128)
    (local.set $pixX (i32.shl (local.get $cin) (i32.const 2)))
    (local.set $strideX (i32.mul (local.get $sw) (local.get $pixX)))
    (local.set $rowW (i32.shl (local.get $cout) (i32.const 2)))
    (local.set $tapW (i32.mul (local.get $cin) (local.get $rowW)))
    (local.set $kwCin (i32.mul (local.get $kw) (local.get $cin)))
    (local.set $r1 (local.get $strideX))
    (local.set $r2 (i32.shl (local.get $strideX) (i32.const 1)))
    (local.set $r3 (i32.add (local.get $r2) (local.get $strideX)))
    (local.set $zero (v128.const i32x4 0 0 0 0))
    (local.set $six (f32x4.splat (f32.const 6)))
    ;; output columns whose every tap lies inside the input row: safeLo ≤ ox < safeHi
    (local.set $safeLo
      (i32.div_u (i32.add (local.get $left) (i32.sub (local.get $sw) (i32.const 1))) (local.get $sw)))
    (local.set $t (i32.sub (i32.add (local.get $inW) (local.get $left)) (local.get $kw)))
    (local.set $safeHi (i32.const 0))
    (if (i32.ge_s (local.get $t) (i32.const 0))
      (then (local.set $safeHi (i32.add (i32.div_u (local.get $t) (local.get $sw)) (i32.const 1)))))
    (if (i32.gt_u (local.get $safeHi) (local.get $ow)) (then (local.set $safeHi (local.get $ow))))
    (local.set $rowsOut (i32.mul (local.get $n) (local.get $oh)))
    (block $qdone
      (loop $ql
        (br_if $qdone (i32.ge_u (local.get $q) (local.get $rowsOut)))
        (local.set $b (i32.div_u (local.get $q) (local.get $oh)))
        (local.set $oy (i32.sub (local.get $q) (i32.mul (local.get $b) (local.get $oh))))
        (local.set $j (i32.const 0))
        (block $jdone
          (loop $jl
            (br_if $jdone (i32.ge_u (local.get $j) (local.get $cout)))
            (local.set $bias0 (local.get $zero))
            (local.set $bias1 (local.get $zero))
            (if (local.get $hasBias)
              (then
                (local.set $bias0 (v128.load (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2)))))
                (local.set $bias1 (v128.load offset=16 (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2)))))))
            (local.set $ox (i32.const 0))
            (block $odone
              (loop $ol
                (br_if $odone (i32.ge_u (local.get $ox) (local.get $ow)))
                ;; the last 1–3 unchecked pixels of a row: one block ending at safeHi (recomputing
                ;; up to 3 pixels) instead of the single-pixel path, ~3× slower per product
                (if (i32.and
                      (i32.and (i32.ge_u (local.get $ox) (local.get $safeLo))
                               (i32.lt_u (local.get $ox) (local.get $safeHi)))
                      (i32.and (i32.gt_u (i32.add (local.get $ox) (i32.const 4)) (local.get $safeHi))
                               (i32.ge_u (local.get $safeHi) (i32.add (local.get $safeLo) (i32.const 4)))))
                  (then (local.set $ox (i32.sub (local.get $safeHi) (i32.const 4)))))
                (local.set $acc00 (local.get $bias0))
                (local.set $acc01 (local.get $bias1))
                (local.set $acc10 (local.get $bias0))
                (local.set $acc11 (local.get $bias1))
                (local.set $acc20 (local.get $bias0))
                (local.set $acc21 (local.get $bias1))
                (local.set $acc30 (local.get $bias0))
                (local.set $acc31 (local.get $bias1))
                (if (i32.and
                      (i32.ge_u (local.get $ox) (local.get $safeLo))
                      (i32.le_u (i32.add (local.get $ox) (i32.const 4)) (local.get $safeHi)))
                  (then
                    ;; 4 pixels, every tap inside the row
                    (local.set $ky (i32.const 0))
                    (block $kydone
                      (loop $kyl
                        (br_if $kydone (i32.ge_u (local.get $ky) (local.get $kh)))
                        (local.set $iy (i32.sub (i32.add (i32.mul (local.get $oy) (local.get $sh)) (local.get $ky)) (local.get $top)))
                        (if (i32.lt_u (local.get $iy) (local.get $inH))
                          (then
                            (local.set $xRow (i32.add (local.get $x)
                              (i32.mul (i32.mul (i32.add (i32.mul (local.get $b) (local.get $inH)) (local.get $iy)) (local.get $inW))
                                       (local.get $pixX))))
                            ;; the kw taps × cin channels of this row are contiguous in x and in w
                            (local.set $px (i32.add (local.get $xRow)
                              (i32.mul (i32.sub (i32.mul (local.get $ox) (local.get $sw)) (local.get $left))
                                       (local.get $pixX))))
                            (local.set $pw (i32.add (i32.add (local.get $w) (i32.shl (local.get $j) (i32.const 2)))
                              (i32.mul (i32.mul (local.get $ky) (local.get $kw)) (local.get $tapW))))
                            (local.set $c (i32.const 0))
                                (block $cdone
                                  (loop $cl
                                    (br_if $cdone (i32.ge_u (local.get $c) (local.get $kwCin)))
                                    (local.set $b0 (v128.load (local.get $pw)))
                                    (local.set $b1 (v128.load offset=16 (local.get $pw)))
                                    (local.set $s (v128.load32_splat (local.get $px)))
                                    (local.set $acc00 (f32x4.add (local.get $acc00) (f32x4.mul (local.get $s) (local.get $b0))))
                                    (local.set $acc01 (f32x4.add (local.get $acc01) (f32x4.mul (local.get $s) (local.get $b1))))
                                    (local.set $s (v128.load32_splat (i32.add (local.get $px) (local.get $r1))))
                                    (local.set $acc10 (f32x4.add (local.get $acc10) (f32x4.mul (local.get $s) (local.get $b0))))
                                    (local.set $acc11 (f32x4.add (local.get $acc11) (f32x4.mul (local.get $s) (local.get $b1))))
                                    (local.set $s (v128.load32_splat (i32.add (local.get $px) (local.get $r2))))
                                    (local.set $acc20 (f32x4.add (local.get $acc20) (f32x4.mul (local.get $s) (local.get $b0))))
                                    (local.set $acc21 (f32x4.add (local.get $acc21) (f32x4.mul (local.get $s) (local.get $b1))))
                                    (local.set $s (v128.load32_splat (i32.add (local.get $px) (local.get $r3))))
                                    (local.set $acc30 (f32x4.add (local.get $acc30) (f32x4.mul (local.get $s) (local.get $b0))))
                                    (local.set $acc31 (f32x4.add (local.get $acc31) (f32x4.mul (local.get $s) (local.get $b1))))
                                    (local.set $pw (i32.add (local.get $pw) (local.get $rowW)))
                                    (local.set $px (i32.add (local.get $px) (i32.const 4)))
                                    (local.set $c (i32.add (local.get $c) (i32.const 1)))
                                    (br $cl)))))
                        (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
                        (br $kyl)))
                    (if (local.get $act)
                      (then
                        (local.set $acc00 (f32x4.max (local.get $acc00) (local.get $zero)))
                        (local.set $acc01 (f32x4.max (local.get $acc01) (local.get $zero)))
                        (local.set $acc10 (f32x4.max (local.get $acc10) (local.get $zero)))
                        (local.set $acc11 (f32x4.max (local.get $acc11) (local.get $zero)))
                        (local.set $acc20 (f32x4.max (local.get $acc20) (local.get $zero)))
                        (local.set $acc21 (f32x4.max (local.get $acc21) (local.get $zero)))
                        (local.set $acc30 (f32x4.max (local.get $acc30) (local.get $zero)))
                        (local.set $acc31 (f32x4.max (local.get $acc31) (local.get $zero)))
                        (if (i32.eq (local.get $act) (i32.const 2))
                          (then
                            (local.set $acc00 (f32x4.min (local.get $acc00) (local.get $six)))
                            (local.set $acc01 (f32x4.min (local.get $acc01) (local.get $six)))
                            (local.set $acc10 (f32x4.min (local.get $acc10) (local.get $six)))
                            (local.set $acc11 (f32x4.min (local.get $acc11) (local.get $six)))
                            (local.set $acc20 (f32x4.min (local.get $acc20) (local.get $six)))
                            (local.set $acc21 (f32x4.min (local.get $acc21) (local.get $six)))
                            (local.set $acc30 (f32x4.min (local.get $acc30) (local.get $six)))
                            (local.set $acc31 (f32x4.min (local.get $acc31) (local.get $six)))))))
                    (local.set $po (i32.add (local.get $y)
                      (i32.shl (i32.add (i32.mul (i32.add (i32.mul (local.get $q) (local.get $ow)) (local.get $ox)) (local.get $cout))
                                        (local.get $j))
                               (i32.const 2))))
                    (v128.store offset=0 (local.get $po) (local.get $acc00))
                    (v128.store offset=16 (local.get $po) (local.get $acc01))
                    (local.set $po (i32.add (local.get $po) (local.get $rowW)))
                    (v128.store offset=0 (local.get $po) (local.get $acc10))
                    (v128.store offset=16 (local.get $po) (local.get $acc11))
                    (local.set $po (i32.add (local.get $po) (local.get $rowW)))
                    (v128.store offset=0 (local.get $po) (local.get $acc20))
                    (v128.store offset=16 (local.get $po) (local.get $acc21))
                    (local.set $po (i32.add (local.get $po) (local.get $rowW)))
                    (v128.store offset=0 (local.get $po) (local.get $acc30))
                    (v128.store offset=16 (local.get $po) (local.get $acc31))
                    (local.set $ox (i32.add (local.get $ox) (i32.const 4))))
                  (else
                    ;; one pixel, skipping the taps in the padding
                    (local.set $ky (i32.const 0))
                    (block $ky1done
                      (loop $ky1l
                        (br_if $ky1done (i32.ge_u (local.get $ky) (local.get $kh)))
                        (local.set $iy (i32.sub (i32.add (i32.mul (local.get $oy) (local.get $sh)) (local.get $ky)) (local.get $top)))
                        (if (i32.lt_u (local.get $iy) (local.get $inH))
                          (then
                            (local.set $kx (i32.const 0))
                            (block $kx1done
                              (loop $kx1l
                                (br_if $kx1done (i32.ge_u (local.get $kx) (local.get $kw)))
                                (local.set $ix (i32.sub (i32.add (i32.mul (local.get $ox) (local.get $sw)) (local.get $kx)) (local.get $left)))
                                (if (i32.lt_u (local.get $ix) (local.get $inW))
                                  (then
                                    (local.set $px (i32.add (local.get $x)
                                      (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $inH)) (local.get $iy)) (local.get $inW))
                                                        (local.get $ix))
                                               (local.get $pixX))))
                                    (local.set $pw (i32.add (i32.add (local.get $w) (i32.shl (local.get $j) (i32.const 2)))
                                      (i32.mul (i32.add (i32.mul (local.get $ky) (local.get $kw)) (local.get $kx)) (local.get $tapW))))
                                    (local.set $c (i32.const 0))
                                    (block $c1done
                                      (loop $c1l
                                        (br_if $c1done (i32.ge_u (local.get $c) (local.get $cin)))
                                        (local.set $s (v128.load32_splat (local.get $px)))
                                        (local.set $acc00 (f32x4.add (local.get $acc00) (f32x4.mul (local.get $s) (v128.load (local.get $pw)))))
                                        (local.set $acc01 (f32x4.add (local.get $acc01) (f32x4.mul (local.get $s) (v128.load offset=16 (local.get $pw)))))
                                        (local.set $pw (i32.add (local.get $pw) (local.get $rowW)))
                                        (local.set $px (i32.add (local.get $px) (i32.const 4)))
                                        (local.set $c (i32.add (local.get $c) (i32.const 1)))
                                        (br $c1l)))))
                                (local.set $kx (i32.add (local.get $kx) (i32.const 1)))
                                (br $kx1l)))))
                        (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
                        (br $ky1l)))
                    (if (local.get $act)
                      (then
                        (local.set $acc00 (f32x4.max (local.get $acc00) (local.get $zero)))
                        (local.set $acc01 (f32x4.max (local.get $acc01) (local.get $zero)))
                        (if (i32.eq (local.get $act) (i32.const 2))
                          (then
                            (local.set $acc00 (f32x4.min (local.get $acc00) (local.get $six)))
                            (local.set $acc01 (f32x4.min (local.get $acc01) (local.get $six)))))))
                    (local.set $po (i32.add (local.get $y)
                      (i32.shl (i32.add (i32.mul (i32.add (i32.mul (local.get $q) (local.get $ow)) (local.get $ox)) (local.get $cout))
                                        (local.get $j))
                               (i32.const 2))))
                    (v128.store offset=0 (local.get $po) (local.get $acc00))
                    (v128.store offset=16 (local.get $po) (local.get $acc01))
                    (local.set $ox (i32.add (local.get $ox) (i32.const 1)))))
                (br $ol)))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br $jl)))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br $ql))))

  ;; Conv2D / FusedConv2D, 3×3 stride 1 (NHWC, no dilation), by Winograd F(2×2, 3×3): per image,
  ;; blocks of 4 output tiles of 2×2 pixels; each tile's 4×4 input patch becomes V = Bᵀ·d·B
  ;; (4 in channels at a time, zeros outside the input), then for each of the 16 transformed
  ;; positions the 4 tiles × cin block times u[xi] (cin × cout, the filter transformed by the
  ;; caller: G·g·Gᵀ) accumulate in registers (4 tiles × 8 out channels), and the output
  ;; transform Aᵀ·m·A gives the 2×2 pixels, with bias and linear/ReLU/ReLU6 fused; pixels past
  ;; the output (odd sizes) are not stored. 16 products per 4 output pixels and in channel
  ;; instead of 36. cin % 4 = 0, cout % 8 = 0. scratch: 16·4·cin + 16·4·cout floats, 16-aligned,
  ;; private to the call: v[xi][c][tile] then m[xi][tile][cout].
  (func (export "convForwardWinograd")
    (param $x i32) (param $u i32) (param $bias i32) (param $y i32) (param $scratch i32)
    (param $n i32) (param $inH i32) (param $inW i32) (param $cin i32)
    (param $oh i32) (param $ow i32) (param $cout i32) (param $top i32) (param $left i32)
    (param $hasBias i32) (param $act i32)
    (local $b i32) (local $tilesW i32) (local $tiles i32) (local $k0 i32) (local $k i32) (local $t i32)
    (local $th i32) (local $tw i32) (local $iy i32) (local $ix i32) (local $c i32) (local $j i32)
    (local $xi i32) (local $m i32) (local $pixX i32) (local $rowX i32) (local $p i32) (local $pv i32)
    (local $pu i32) (local $pm i32) (local $po i32) (local $rowY i32) (local $row1 i32) (local $col1 i32)
    (local $r0 i32) (local $r1 i32) (local $r2 i32) (local $r3 i32) (local $s0 i32) (local $s1 i32) (local $s2 i32) (local $s3 i32)
    (local $cinBytes i32) (local $coutBytes i32) (local $uStride i32)
    (local $s v128) (local $w0 v128) (local $w1 v128) (local $zero v128) (local $six v128) (local $bv v128)
    (local $acc00 v128) (local $acc01 v128) (local $acc10 v128) (local $acc11 v128) (local $acc20 v128) (local $acc21 v128) (local $acc30 v128) (local $acc31 v128)
    (local $y00 v128) (local $y01 v128) (local $y10 v128) (local $y11 v128)
    (local $d00 v128) (local $t00 v128) (local $d01 v128) (local $t01 v128) (local $d02 v128) (local $t02 v128) (local $d03 v128) (local $t03 v128) (local $d10 v128) (local $t10 v128) (local $d11 v128) (local $t11 v128) (local $d12 v128) (local $t12 v128) (local $d13 v128) (local $t13 v128) (local $d20 v128) (local $t20 v128) (local $d21 v128) (local $t21 v128) (local $d22 v128) (local $t22 v128) (local $d23 v128) (local $t23 v128) (local $d30 v128) (local $t30 v128) (local $d31 v128) (local $t31 v128) (local $d32 v128) (local $t32 v128) (local $d33 v128) (local $t33 v128)
    (local.set $zero (v128.const i32x4 0 0 0 0))
    (local.set $six (f32x4.splat (f32.const 6)))
    (local.set $pixX (i32.shl (local.get $cin) (i32.const 2)))
    (local.set $rowX (i32.mul (local.get $inW) (local.get $pixX)))
    (local.set $rowY (i32.mul (local.get $ow) (i32.shl (local.get $cout) (i32.const 2))))
    (local.set $cinBytes (i32.shl (local.get $cin) (i32.const 2)))
    (local.set $coutBytes (i32.shl (local.get $cout) (i32.const 2)))
    (local.set $uStride (i32.mul (local.get $cin) (local.get $coutBytes)))
    (local.set $m (i32.add (local.get $scratch) (i32.shl (local.get $cinBytes) (i32.const 6))))
    (local.set $tilesW (i32.shr_u (i32.add (local.get $ow) (i32.const 1)) (i32.const 1)))
    (local.set $tiles (i32.mul (local.get $tilesW) (i32.shr_u (i32.add (local.get $oh) (i32.const 1)) (i32.const 1))))
    (block $bdone (loop $bl
      (br_if $bdone (i32.ge_u (local.get $b) (local.get $n)))
      (local.set $k0 (i32.const 0))
      (block $kdone (loop $kl
        (br_if $kdone (i32.ge_u (local.get $k0) (local.get $tiles)))
        ;; input transform of the block's 4 tiles (a tile past the last one reads as zeros)
        (local.set $t (i32.const 0))
        (block $itdone (loop $itl
          (br_if $itdone (i32.ge_u (local.get $t) (i32.const 4)))
          (local.set $k (i32.add (local.get $k0) (local.get $t)))
          (local.set $th (i32.div_u (local.get $k) (local.get $tilesW)))
          (local.set $tw (i32.sub (local.get $k) (i32.mul (local.get $th) (local.get $tilesW))))
          (local.set $iy (i32.sub (i32.shl (local.get $th) (i32.const 1)) (local.get $top)))
          (local.set $ix (i32.sub (i32.shl (local.get $tw) (i32.const 1)) (local.get $left)))
          (if (i32.ge_u (local.get $k) (local.get $tiles)) (then (local.set $iy (local.get $inH))))
          (local.set $r0 (i32.lt_u (i32.add (local.get $iy) (i32.const 0)) (local.get $inH)))
          (local.set $r1 (i32.lt_u (i32.add (local.get $iy) (i32.const 1)) (local.get $inH)))
          (local.set $r2 (i32.lt_u (i32.add (local.get $iy) (i32.const 2)) (local.get $inH)))
          (local.set $r3 (i32.lt_u (i32.add (local.get $iy) (i32.const 3)) (local.get $inH)))
          (local.set $s0 (i32.lt_u (i32.add (local.get $ix) (i32.const 0)) (local.get $inW)))
          (local.set $s1 (i32.lt_u (i32.add (local.get $ix) (i32.const 1)) (local.get $inW)))
          (local.set $s2 (i32.lt_u (i32.add (local.get $ix) (i32.const 2)) (local.get $inW)))
          (local.set $s3 (i32.lt_u (i32.add (local.get $ix) (i32.const 3)) (local.get $inW)))
          (local.set $p (i32.add (local.get $x) (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $inH)) (local.get $iy)) (local.get $rowX)) (i32.mul (local.get $ix) (local.get $pixX)))))
          (local.set $pv (i32.add (local.get $scratch) (i32.shl (local.get $t) (i32.const 2))))
          (local.set $c (i32.const 0))
          (block $icdone (loop $icl
            (br_if $icdone (i32.ge_u (local.get $c) (local.get $cin)))
            (local.set $d00 (if (result v128) (i32.and (local.get $r0) (local.get $s0)) (then (v128.load (i32.add (i32.add (local.get $p) (i32.shl (local.get $c) (i32.const 2))) (i32.add (i32.const 0) (i32.const 0))))) (else (local.get $zero))))
            (local.set $d01 (if (result v128) (i32.and (local.get $r0) (local.get $s1)) (then (v128.load (i32.add (i32.add (local.get $p) (i32.shl (local.get $c) (i32.const 2))) (i32.add (i32.const 0) (i32.mul (local.get $pixX) (i32.const 1)))))) (else (local.get $zero))))
            (local.set $d02 (if (result v128) (i32.and (local.get $r0) (local.get $s2)) (then (v128.load (i32.add (i32.add (local.get $p) (i32.shl (local.get $c) (i32.const 2))) (i32.add (i32.const 0) (i32.mul (local.get $pixX) (i32.const 2)))))) (else (local.get $zero))))
            (local.set $d03 (if (result v128) (i32.and (local.get $r0) (local.get $s3)) (then (v128.load (i32.add (i32.add (local.get $p) (i32.shl (local.get $c) (i32.const 2))) (i32.add (i32.const 0) (i32.mul (local.get $pixX) (i32.const 3)))))) (else (local.get $zero))))
            (local.set $d10 (if (result v128) (i32.and (local.get $r1) (local.get $s0)) (then (v128.load (i32.add (i32.add (local.get $p) (i32.shl (local.get $c) (i32.const 2))) (i32.add (i32.mul (local.get $rowX) (i32.const 1)) (i32.const 0))))) (else (local.get $zero))))
            (local.set $d11 (if (result v128) (i32.and (local.get $r1) (local.get $s1)) (then (v128.load (i32.add (i32.add (local.get $p) (i32.shl (local.get $c) (i32.const 2))) (i32.add (i32.mul (local.get $rowX) (i32.const 1)) (i32.mul (local.get $pixX) (i32.const 1)))))) (else (local.get $zero))))
            (local.set $d12 (if (result v128) (i32.and (local.get $r1) (local.get $s2)) (then (v128.load (i32.add (i32.add (local.get $p) (i32.shl (local.get $c) (i32.const 2))) (i32.add (i32.mul (local.get $rowX) (i32.const 1)) (i32.mul (local.get $pixX) (i32.const 2)))))) (else (local.get $zero))))
            (local.set $d13 (if (result v128) (i32.and (local.get $r1) (local.get $s3)) (then (v128.load (i32.add (i32.add (local.get $p) (i32.shl (local.get $c) (i32.const 2))) (i32.add (i32.mul (local.get $rowX) (i32.const 1)) (i32.mul (local.get $pixX) (i32.const 3)))))) (else (local.get $zero))))
            (local.set $d20 (if (result v128) (i32.and (local.get $r2) (local.get $s0)) (then (v128.load (i32.add (i32.add (local.get $p) (i32.shl (local.get $c) (i32.const 2))) (i32.add (i32.mul (local.get $rowX) (i32.const 2)) (i32.const 0))))) (else (local.get $zero))))
            (local.set $d21 (if (result v128) (i32.and (local.get $r2) (local.get $s1)) (then (v128.load (i32.add (i32.add (local.get $p) (i32.shl (local.get $c) (i32.const 2))) (i32.add (i32.mul (local.get $rowX) (i32.const 2)) (i32.mul (local.get $pixX) (i32.const 1)))))) (else (local.get $zero))))
            (local.set $d22 (if (result v128) (i32.and (local.get $r2) (local.get $s2)) (then (v128.load (i32.add (i32.add (local.get $p) (i32.shl (local.get $c) (i32.const 2))) (i32.add (i32.mul (local.get $rowX) (i32.const 2)) (i32.mul (local.get $pixX) (i32.const 2)))))) (else (local.get $zero))))
            (local.set $d23 (if (result v128) (i32.and (local.get $r2) (local.get $s3)) (then (v128.load (i32.add (i32.add (local.get $p) (i32.shl (local.get $c) (i32.const 2))) (i32.add (i32.mul (local.get $rowX) (i32.const 2)) (i32.mul (local.get $pixX) (i32.const 3)))))) (else (local.get $zero))))
            (local.set $d30 (if (result v128) (i32.and (local.get $r3) (local.get $s0)) (then (v128.load (i32.add (i32.add (local.get $p) (i32.shl (local.get $c) (i32.const 2))) (i32.add (i32.mul (local.get $rowX) (i32.const 3)) (i32.const 0))))) (else (local.get $zero))))
            (local.set $d31 (if (result v128) (i32.and (local.get $r3) (local.get $s1)) (then (v128.load (i32.add (i32.add (local.get $p) (i32.shl (local.get $c) (i32.const 2))) (i32.add (i32.mul (local.get $rowX) (i32.const 3)) (i32.mul (local.get $pixX) (i32.const 1)))))) (else (local.get $zero))))
            (local.set $d32 (if (result v128) (i32.and (local.get $r3) (local.get $s2)) (then (v128.load (i32.add (i32.add (local.get $p) (i32.shl (local.get $c) (i32.const 2))) (i32.add (i32.mul (local.get $rowX) (i32.const 3)) (i32.mul (local.get $pixX) (i32.const 2)))))) (else (local.get $zero))))
            (local.set $d33 (if (result v128) (i32.and (local.get $r3) (local.get $s3)) (then (v128.load (i32.add (i32.add (local.get $p) (i32.shl (local.get $c) (i32.const 2))) (i32.add (i32.mul (local.get $rowX) (i32.const 3)) (i32.mul (local.get $pixX) (i32.const 3)))))) (else (local.get $zero))))
            (local.set $t00 (f32x4.sub (local.get $d00) (local.get $d20)))
            (local.set $t10 (f32x4.add (local.get $d10) (local.get $d20)))
            (local.set $t20 (f32x4.sub (local.get $d20) (local.get $d10)))
            (local.set $t30 (f32x4.sub (local.get $d10) (local.get $d30)))
            (local.set $t01 (f32x4.sub (local.get $d01) (local.get $d21)))
            (local.set $t11 (f32x4.add (local.get $d11) (local.get $d21)))
            (local.set $t21 (f32x4.sub (local.get $d21) (local.get $d11)))
            (local.set $t31 (f32x4.sub (local.get $d11) (local.get $d31)))
            (local.set $t02 (f32x4.sub (local.get $d02) (local.get $d22)))
            (local.set $t12 (f32x4.add (local.get $d12) (local.get $d22)))
            (local.set $t22 (f32x4.sub (local.get $d22) (local.get $d12)))
            (local.set $t32 (f32x4.sub (local.get $d12) (local.get $d32)))
            (local.set $t03 (f32x4.sub (local.get $d03) (local.get $d23)))
            (local.set $t13 (f32x4.add (local.get $d13) (local.get $d23)))
            (local.set $t23 (f32x4.sub (local.get $d23) (local.get $d13)))
            (local.set $t33 (f32x4.sub (local.get $d13) (local.get $d33)))
            (local.set $d00 (f32x4.sub (local.get $t00) (local.get $t02)))
            (local.set $d01 (f32x4.add (local.get $t01) (local.get $t02)))
            (local.set $d02 (f32x4.sub (local.get $t02) (local.get $t01)))
            (local.set $d03 (f32x4.sub (local.get $t01) (local.get $t03)))
            (local.set $d10 (f32x4.sub (local.get $t10) (local.get $t12)))
            (local.set $d11 (f32x4.add (local.get $t11) (local.get $t12)))
            (local.set $d12 (f32x4.sub (local.get $t12) (local.get $t11)))
            (local.set $d13 (f32x4.sub (local.get $t11) (local.get $t13)))
            (local.set $d20 (f32x4.sub (local.get $t20) (local.get $t22)))
            (local.set $d21 (f32x4.add (local.get $t21) (local.get $t22)))
            (local.set $d22 (f32x4.sub (local.get $t22) (local.get $t21)))
            (local.set $d23 (f32x4.sub (local.get $t21) (local.get $t23)))
            (local.set $d30 (f32x4.sub (local.get $t30) (local.get $t32)))
            (local.set $d31 (f32x4.add (local.get $t31) (local.get $t32)))
            (local.set $d32 (f32x4.sub (local.get $t32) (local.get $t31)))
            (local.set $d33 (f32x4.sub (local.get $t31) (local.get $t33)))
            (local.set $po (i32.add (local.get $pv) (i32.shl (local.get $c) (i32.const 4))))
            (v128.store32_lane offset=0 0 (local.get $po) (local.get $d00))
            (v128.store32_lane offset=16 1 (local.get $po) (local.get $d00))
            (v128.store32_lane offset=32 2 (local.get $po) (local.get $d00))
            (v128.store32_lane offset=48 3 (local.get $po) (local.get $d00))
            (v128.store32_lane offset=0 0 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 4))) (local.get $d01))
            (v128.store32_lane offset=16 1 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 4))) (local.get $d01))
            (v128.store32_lane offset=32 2 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 4))) (local.get $d01))
            (v128.store32_lane offset=48 3 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 4))) (local.get $d01))
            (v128.store32_lane offset=0 0 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 8))) (local.get $d02))
            (v128.store32_lane offset=16 1 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 8))) (local.get $d02))
            (v128.store32_lane offset=32 2 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 8))) (local.get $d02))
            (v128.store32_lane offset=48 3 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 8))) (local.get $d02))
            (v128.store32_lane offset=0 0 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 12))) (local.get $d03))
            (v128.store32_lane offset=16 1 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 12))) (local.get $d03))
            (v128.store32_lane offset=32 2 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 12))) (local.get $d03))
            (v128.store32_lane offset=48 3 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 12))) (local.get $d03))
            (v128.store32_lane offset=0 0 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 16))) (local.get $d10))
            (v128.store32_lane offset=16 1 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 16))) (local.get $d10))
            (v128.store32_lane offset=32 2 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 16))) (local.get $d10))
            (v128.store32_lane offset=48 3 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 16))) (local.get $d10))
            (v128.store32_lane offset=0 0 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 20))) (local.get $d11))
            (v128.store32_lane offset=16 1 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 20))) (local.get $d11))
            (v128.store32_lane offset=32 2 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 20))) (local.get $d11))
            (v128.store32_lane offset=48 3 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 20))) (local.get $d11))
            (v128.store32_lane offset=0 0 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 24))) (local.get $d12))
            (v128.store32_lane offset=16 1 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 24))) (local.get $d12))
            (v128.store32_lane offset=32 2 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 24))) (local.get $d12))
            (v128.store32_lane offset=48 3 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 24))) (local.get $d12))
            (v128.store32_lane offset=0 0 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 28))) (local.get $d13))
            (v128.store32_lane offset=16 1 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 28))) (local.get $d13))
            (v128.store32_lane offset=32 2 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 28))) (local.get $d13))
            (v128.store32_lane offset=48 3 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 28))) (local.get $d13))
            (v128.store32_lane offset=0 0 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 32))) (local.get $d20))
            (v128.store32_lane offset=16 1 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 32))) (local.get $d20))
            (v128.store32_lane offset=32 2 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 32))) (local.get $d20))
            (v128.store32_lane offset=48 3 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 32))) (local.get $d20))
            (v128.store32_lane offset=0 0 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 36))) (local.get $d21))
            (v128.store32_lane offset=16 1 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 36))) (local.get $d21))
            (v128.store32_lane offset=32 2 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 36))) (local.get $d21))
            (v128.store32_lane offset=48 3 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 36))) (local.get $d21))
            (v128.store32_lane offset=0 0 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 40))) (local.get $d22))
            (v128.store32_lane offset=16 1 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 40))) (local.get $d22))
            (v128.store32_lane offset=32 2 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 40))) (local.get $d22))
            (v128.store32_lane offset=48 3 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 40))) (local.get $d22))
            (v128.store32_lane offset=0 0 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 44))) (local.get $d23))
            (v128.store32_lane offset=16 1 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 44))) (local.get $d23))
            (v128.store32_lane offset=32 2 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 44))) (local.get $d23))
            (v128.store32_lane offset=48 3 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 44))) (local.get $d23))
            (v128.store32_lane offset=0 0 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 48))) (local.get $d30))
            (v128.store32_lane offset=16 1 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 48))) (local.get $d30))
            (v128.store32_lane offset=32 2 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 48))) (local.get $d30))
            (v128.store32_lane offset=48 3 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 48))) (local.get $d30))
            (v128.store32_lane offset=0 0 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 52))) (local.get $d31))
            (v128.store32_lane offset=16 1 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 52))) (local.get $d31))
            (v128.store32_lane offset=32 2 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 52))) (local.get $d31))
            (v128.store32_lane offset=48 3 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 52))) (local.get $d31))
            (v128.store32_lane offset=0 0 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 56))) (local.get $d32))
            (v128.store32_lane offset=16 1 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 56))) (local.get $d32))
            (v128.store32_lane offset=32 2 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 56))) (local.get $d32))
            (v128.store32_lane offset=48 3 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 56))) (local.get $d32))
            (v128.store32_lane offset=0 0 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 60))) (local.get $d33))
            (v128.store32_lane offset=16 1 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 60))) (local.get $d33))
            (v128.store32_lane offset=32 2 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 60))) (local.get $d33))
            (v128.store32_lane offset=48 3 (i32.add (local.get $po) (i32.mul (local.get $cinBytes) (i32.const 60))) (local.get $d33))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $icl)))
          (local.set $t (i32.add (local.get $t) (i32.const 1)))
          (br $itl)))
        ;; the 16 products: m[xi][tile][j..j+7] = Σc v[xi][c][tile] · u[xi][c][j..j+7]
        (local.set $xi (i32.const 0))
        (block $xdone (loop $xl
          (br_if $xdone (i32.ge_u (local.get $xi) (i32.const 16)))
          (local.set $j (i32.const 0))
          (block $jdone (loop $jl
            (br_if $jdone (i32.ge_u (local.get $j) (local.get $cout)))
            (local.set $acc00 (local.get $zero))
            (local.set $acc01 (local.get $zero))
            (local.set $acc10 (local.get $zero))
            (local.set $acc11 (local.get $zero))
            (local.set $acc20 (local.get $zero))
            (local.set $acc21 (local.get $zero))
            (local.set $acc30 (local.get $zero))
            (local.set $acc31 (local.get $zero))
            (local.set $pv (i32.add (local.get $scratch) (i32.mul (local.get $xi) (i32.shl (local.get $cinBytes) (i32.const 2)))))
            (local.set $pu (i32.add (i32.add (local.get $u) (i32.mul (local.get $xi) (local.get $uStride))) (i32.shl (local.get $j) (i32.const 2))))
            (local.set $c (i32.const 0))
            (block $cdone (loop $cl
              (br_if $cdone (i32.ge_u (local.get $c) (local.get $cin)))
              (local.set $w0 (v128.load (local.get $pu)))
              (local.set $w1 (v128.load offset=16 (local.get $pu)))
              (local.set $s (v128.load32_splat offset=0 (local.get $pv)))
              (local.set $acc00 (f32x4.add (local.get $acc00) (f32x4.mul (local.get $s) (local.get $w0))))
              (local.set $acc01 (f32x4.add (local.get $acc01) (f32x4.mul (local.get $s) (local.get $w1))))
              (local.set $s (v128.load32_splat offset=4 (local.get $pv)))
              (local.set $acc10 (f32x4.add (local.get $acc10) (f32x4.mul (local.get $s) (local.get $w0))))
              (local.set $acc11 (f32x4.add (local.get $acc11) (f32x4.mul (local.get $s) (local.get $w1))))
              (local.set $s (v128.load32_splat offset=8 (local.get $pv)))
              (local.set $acc20 (f32x4.add (local.get $acc20) (f32x4.mul (local.get $s) (local.get $w0))))
              (local.set $acc21 (f32x4.add (local.get $acc21) (f32x4.mul (local.get $s) (local.get $w1))))
              (local.set $s (v128.load32_splat offset=12 (local.get $pv)))
              (local.set $acc30 (f32x4.add (local.get $acc30) (f32x4.mul (local.get $s) (local.get $w0))))
              (local.set $acc31 (f32x4.add (local.get $acc31) (f32x4.mul (local.get $s) (local.get $w1))))
              (local.set $pu (i32.add (local.get $pu) (local.get $coutBytes)))
              (local.set $pv (i32.add (local.get $pv) (i32.const 16)))
              (local.set $c (i32.add (local.get $c) (i32.const 1)))
              (br $cl)))
            (local.set $pm (i32.add (i32.add (local.get $m) (i32.mul (local.get $xi) (i32.shl (local.get $coutBytes) (i32.const 2)))) (i32.shl (local.get $j) (i32.const 2))))
            (v128.store (local.get $pm) (local.get $acc00))
            (v128.store offset=16 (local.get $pm) (local.get $acc01))
            (v128.store (i32.add (local.get $pm) (i32.mul (local.get $coutBytes) (i32.const 1))) (local.get $acc10))
            (v128.store offset=16 (i32.add (local.get $pm) (i32.mul (local.get $coutBytes) (i32.const 1))) (local.get $acc11))
            (v128.store (i32.add (local.get $pm) (i32.mul (local.get $coutBytes) (i32.const 2))) (local.get $acc20))
            (v128.store offset=16 (i32.add (local.get $pm) (i32.mul (local.get $coutBytes) (i32.const 2))) (local.get $acc21))
            (v128.store (i32.add (local.get $pm) (i32.mul (local.get $coutBytes) (i32.const 3))) (local.get $acc30))
            (v128.store offset=16 (i32.add (local.get $pm) (i32.mul (local.get $coutBytes) (i32.const 3))) (local.get $acc31))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br $jl)))
          (local.set $xi (i32.add (local.get $xi) (i32.const 1)))
          (br $xl)))
        ;; output transform of the block's tiles that exist, bias and activation, 2×2 pixels each
        (local.set $t (i32.const 0))
        (block $otdone (loop $otl
          (local.set $k (i32.add (local.get $k0) (local.get $t)))
          (br_if $otdone (i32.or (i32.ge_u (local.get $t) (i32.const 4)) (i32.ge_u (local.get $k) (local.get $tiles))))
          (local.set $th (i32.div_u (local.get $k) (local.get $tilesW)))
          (local.set $tw (i32.sub (local.get $k) (i32.mul (local.get $th) (local.get $tilesW))))
          (local.set $row1 (i32.lt_u (i32.add (i32.shl (local.get $th) (i32.const 1)) (i32.const 1)) (local.get $oh)))
          (local.set $col1 (i32.lt_u (i32.add (i32.shl (local.get $tw) (i32.const 1)) (i32.const 1)) (local.get $ow)))
          (local.set $po (i32.add (local.get $y) (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $oh)) (i32.shl (local.get $th) (i32.const 1))) (local.get $rowY)) (i32.mul (i32.shl (local.get $tw) (i32.const 1)) (local.get $coutBytes)))))
          (local.set $pm (i32.add (local.get $m) (i32.mul (local.get $t) (local.get $coutBytes))))
          (local.set $j (i32.const 0))
          (block $ojdone (loop $ojl
            (br_if $ojdone (i32.ge_u (local.get $j) (local.get $cout)))
            (local.set $pv (i32.add (local.get $pm) (i32.shl (local.get $j) (i32.const 2))))
            (local.set $d00 (v128.load (local.get $pv)))
            (local.set $d01 (v128.load (i32.add (local.get $pv) (i32.mul (local.get $coutBytes) (i32.const 4)))))
            (local.set $d02 (v128.load (i32.add (local.get $pv) (i32.mul (local.get $coutBytes) (i32.const 8)))))
            (local.set $d03 (v128.load (i32.add (local.get $pv) (i32.mul (local.get $coutBytes) (i32.const 12)))))
            (local.set $d10 (v128.load (i32.add (local.get $pv) (i32.mul (local.get $coutBytes) (i32.const 16)))))
            (local.set $d11 (v128.load (i32.add (local.get $pv) (i32.mul (local.get $coutBytes) (i32.const 20)))))
            (local.set $d12 (v128.load (i32.add (local.get $pv) (i32.mul (local.get $coutBytes) (i32.const 24)))))
            (local.set $d13 (v128.load (i32.add (local.get $pv) (i32.mul (local.get $coutBytes) (i32.const 28)))))
            (local.set $d20 (v128.load (i32.add (local.get $pv) (i32.mul (local.get $coutBytes) (i32.const 32)))))
            (local.set $d21 (v128.load (i32.add (local.get $pv) (i32.mul (local.get $coutBytes) (i32.const 36)))))
            (local.set $d22 (v128.load (i32.add (local.get $pv) (i32.mul (local.get $coutBytes) (i32.const 40)))))
            (local.set $d23 (v128.load (i32.add (local.get $pv) (i32.mul (local.get $coutBytes) (i32.const 44)))))
            (local.set $d30 (v128.load (i32.add (local.get $pv) (i32.mul (local.get $coutBytes) (i32.const 48)))))
            (local.set $d31 (v128.load (i32.add (local.get $pv) (i32.mul (local.get $coutBytes) (i32.const 52)))))
            (local.set $d32 (v128.load (i32.add (local.get $pv) (i32.mul (local.get $coutBytes) (i32.const 56)))))
            (local.set $d33 (v128.load (i32.add (local.get $pv) (i32.mul (local.get $coutBytes) (i32.const 60)))))
            (local.set $t00 (f32x4.add (f32x4.add (local.get $d00) (local.get $d10)) (local.get $d20)))
            (local.set $t10 (f32x4.sub (f32x4.sub (local.get $d10) (local.get $d20)) (local.get $d30)))
            (local.set $t01 (f32x4.add (f32x4.add (local.get $d01) (local.get $d11)) (local.get $d21)))
            (local.set $t11 (f32x4.sub (f32x4.sub (local.get $d11) (local.get $d21)) (local.get $d31)))
            (local.set $t02 (f32x4.add (f32x4.add (local.get $d02) (local.get $d12)) (local.get $d22)))
            (local.set $t12 (f32x4.sub (f32x4.sub (local.get $d12) (local.get $d22)) (local.get $d32)))
            (local.set $t03 (f32x4.add (f32x4.add (local.get $d03) (local.get $d13)) (local.get $d23)))
            (local.set $t13 (f32x4.sub (f32x4.sub (local.get $d13) (local.get $d23)) (local.get $d33)))
            (local.set $bv (local.get $zero))
            (if (local.get $hasBias) (then (local.set $bv (v128.load (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2)))))))
            (local.set $y00 (f32x4.add (f32x4.add (f32x4.add (local.get $t00) (local.get $t01)) (local.get $t02)) (local.get $bv)))
            (local.set $y01 (f32x4.add (f32x4.sub (f32x4.sub (local.get $t01) (local.get $t02)) (local.get $t03)) (local.get $bv)))
            (local.set $y10 (f32x4.add (f32x4.add (f32x4.add (local.get $t10) (local.get $t11)) (local.get $t12)) (local.get $bv)))
            (local.set $y11 (f32x4.add (f32x4.sub (f32x4.sub (local.get $t11) (local.get $t12)) (local.get $t13)) (local.get $bv)))
            (if (local.get $act) (then
              (local.set $y00 (f32x4.max (local.get $y00) (local.get $zero)))
              (local.set $y01 (f32x4.max (local.get $y01) (local.get $zero)))
              (local.set $y10 (f32x4.max (local.get $y10) (local.get $zero)))
              (local.set $y11 (f32x4.max (local.get $y11) (local.get $zero)))
              (if (i32.eq (local.get $act) (i32.const 2)) (then
                (local.set $y00 (f32x4.min (local.get $y00) (local.get $six)))
                (local.set $y01 (f32x4.min (local.get $y01) (local.get $six)))
                (local.set $y10 (f32x4.min (local.get $y10) (local.get $six)))
                (local.set $y11 (f32x4.min (local.get $y11) (local.get $six)))
              ))))
            (local.set $p (i32.add (local.get $po) (i32.shl (local.get $j) (i32.const 2))))
            (v128.store (local.get $p) (local.get $y00))
            (if (local.get $col1) (then (v128.store (i32.add (local.get $p) (local.get $coutBytes)) (local.get $y01))))
            (if (local.get $row1) (then
              (v128.store (i32.add (local.get $p) (local.get $rowY)) (local.get $y10))
              (if (local.get $col1) (then (v128.store (i32.add (i32.add (local.get $p) (local.get $rowY)) (local.get $coutBytes)) (local.get $y11))))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $ojl)))
          (local.set $t (i32.add (local.get $t) (i32.const 1)))
          (br $otl)))
        (local.set $k0 (i32.add (local.get $k0) (i32.const 4)))
        (br $kl)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $bl))))

  ;; dst[i] += src[i] for n floats: adds a partial sum (a filter gradient over part of the batch,
  ;; computed on a helper thread) into the whole.
  (func (export "addInto") (param $dst i32) (param $src i32) (param $n i32)
    (local $i i32) (local $stop i32) (local $a i32)
    (local.set $stop (i32.and (local.get $n) (i32.const -4)))
    (block $vdone
      (loop $v
        (br_if $vdone (i32.ge_u (local.get $i) (local.get $stop)))
        (local.set $a (i32.shl (local.get $i) (i32.const 2)))
        (v128.store (i32.add (local.get $dst) (local.get $a))
          (f32x4.add
            (v128.load (i32.add (local.get $dst) (local.get $a)))
            (v128.load (i32.add (local.get $src) (local.get $a)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $v)))
    (block $sdone
      (loop $s
        (br_if $sdone (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $a (i32.shl (local.get $i) (i32.const 2)))
        (f32.store (i32.add (local.get $dst) (local.get $a))
          (f32.add
            (f32.load (i32.add (local.get $dst) (local.get $a)))
            (f32.load (i32.add (local.get $src) (local.get $a)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $s))))

  ;; One Adam step over n floats, TF.js's tf.train.adam arithmetic in float32, operation by
  ;; operation (no fused multiply-add, so the result equals the composed kernels bit for bit):
  ;;   outM = m·β1 + g·(1 − β1);  outV = v·β2 + g²·(1 − β2)
  ;;   outP = p + (outM · stepScale) / (√outV · rootScale + ε)
  ;; with stepScale = −lr / (1 − β1ᵗ) and rootScale = 1 / √(1 − β2ᵗ). The seven coefficients are
  ;; float32 values passed as their bit patterns (i32) so every argument stays an integer.
  (func (export "adamUpdate")
    (param $g i32) (param $m i32) (param $v i32) (param $p i32)
    (param $outM i32) (param $outV i32) (param $outP i32) (param $n i32)
    (param $beta1Bits i32) (param $oneMinusBeta1Bits i32) (param $beta2Bits i32)
    (param $oneMinusBeta2Bits i32) (param $stepScaleBits i32) (param $rootScaleBits i32)
    (param $epsilonBits i32)
    (local $i i32) (local $stop i32) (local $a i32)
    (local $b1 f32) (local $c1 f32) (local $b2 f32) (local $c2 f32) (local $ss f32) (local $rs f32) (local $eps f32)
    (local $vb1 v128) (local $vc1 v128) (local $vb2 v128) (local $vc2 v128) (local $vss v128) (local $vrs v128) (local $veps v128)
    (local $gv v128) (local $mv v128) (local $vv v128)
    (local $gs f32) (local $ms f32) (local $vs f32)
    (local.set $b1 (f32.reinterpret_i32 (local.get $beta1Bits)))
    (local.set $c1 (f32.reinterpret_i32 (local.get $oneMinusBeta1Bits)))
    (local.set $b2 (f32.reinterpret_i32 (local.get $beta2Bits)))
    (local.set $c2 (f32.reinterpret_i32 (local.get $oneMinusBeta2Bits)))
    (local.set $ss (f32.reinterpret_i32 (local.get $stepScaleBits)))
    (local.set $rs (f32.reinterpret_i32 (local.get $rootScaleBits)))
    (local.set $eps (f32.reinterpret_i32 (local.get $epsilonBits)))
    (local.set $vb1 (f32x4.splat (local.get $b1)))
    (local.set $vc1 (f32x4.splat (local.get $c1)))
    (local.set $vb2 (f32x4.splat (local.get $b2)))
    (local.set $vc2 (f32x4.splat (local.get $c2)))
    (local.set $vss (f32x4.splat (local.get $ss)))
    (local.set $vrs (f32x4.splat (local.get $rs)))
    (local.set $veps (f32x4.splat (local.get $eps)))
    (local.set $stop (i32.and (local.get $n) (i32.const -4)))
    (block $vdone
      (loop $vl
        (br_if $vdone (i32.ge_u (local.get $i) (local.get $stop)))
        (local.set $a (i32.shl (local.get $i) (i32.const 2)))
        (local.set $gv (v128.load (i32.add (local.get $g) (local.get $a))))
        (local.set $mv
          (f32x4.add
            (f32x4.mul (v128.load (i32.add (local.get $m) (local.get $a))) (local.get $vb1))
            (f32x4.mul (local.get $gv) (local.get $vc1))))
        (local.set $vv
          (f32x4.add
            (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $a))) (local.get $vb2))
            (f32x4.mul (f32x4.mul (local.get $gv) (local.get $gv)) (local.get $vc2))))
        (v128.store (i32.add (local.get $outM) (local.get $a)) (local.get $mv))
        (v128.store (i32.add (local.get $outV) (local.get $a)) (local.get $vv))
        (v128.store (i32.add (local.get $outP) (local.get $a))
          (f32x4.add
            (v128.load (i32.add (local.get $p) (local.get $a)))
            (f32x4.div
              (f32x4.mul (local.get $mv) (local.get $vss))
              (f32x4.add (f32x4.mul (f32x4.sqrt (local.get $vv)) (local.get $vrs)) (local.get $veps)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $vl)))
    (block $sdone
      (loop $sl
        (br_if $sdone (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $a (i32.shl (local.get $i) (i32.const 2)))
        (local.set $gs (f32.load (i32.add (local.get $g) (local.get $a))))
        (local.set $ms
          (f32.add
            (f32.mul (f32.load (i32.add (local.get $m) (local.get $a))) (local.get $b1))
            (f32.mul (local.get $gs) (local.get $c1))))
        (local.set $vs
          (f32.add
            (f32.mul (f32.load (i32.add (local.get $v) (local.get $a))) (local.get $b2))
            (f32.mul (f32.mul (local.get $gs) (local.get $gs)) (local.get $c2))))
        (f32.store (i32.add (local.get $outM) (local.get $a)) (local.get $ms))
        (f32.store (i32.add (local.get $outV) (local.get $a)) (local.get $vs))
        (f32.store (i32.add (local.get $outP) (local.get $a))
          (f32.add
            (f32.load (i32.add (local.get $p) (local.get $a)))
            (f32.div
              (f32.mul (local.get $ms) (local.get $ss))
              (f32.add (f32.mul (f32.sqrt (local.get $vs)) (local.get $rs)) (local.get $eps)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $sl))))

  ;; out[i, j] = act(Σ_r a[i, r] · b[r, j] + bias[j]) for a [m, k], b [k, n], out [m, n] (row-major
  ;; float32; bias = 0 for none; act 0 = linear, 1 = ReLU, 2 = ReLU6): a dense layer's product with
  ;; its weights (or a pointwise convolution's, x as [pixels, in channels])
  ;; as they are (XNNPACK first repacks a new weight matrix, i.e. after every optimizer step).
  ;; Blocks of 4 rows × 8 columns in registers over the whole reduction; the edges by $gemmEdge.
  (func (export "gemm")
    (param $a i32) (param $b i32) (param $bias i32) (param $out i32) (param $m i32) (param $k i32)
    (param $n i32) (param $act i32)
    (local $strideA i32) (local $strideA2 i32) (local $strideA3 i32) (local $strideB i32) (local $strideO i32)
    (local $i i32) (local $j i32) (local $r i32) (local $pa i32) (local $pb i32) (local $po i32)
    (local $m4 i32) (local $n8 i32)
    (local $s v128) (local $b0 v128) (local $b1 v128)
    (local $acc00 v128) (local $acc01 v128) (local $acc10 v128) (local $acc11 v128) (local $acc20 v128) (local $acc21 v128) (local $acc30 v128) (local $acc31 v128)
    (local.set $strideA (i32.shl (local.get $k) (i32.const 2)))
    (local.set $strideA2 (i32.shl (local.get $strideA) (i32.const 1)))
    (local.set $strideA3 (i32.add (local.get $strideA2) (local.get $strideA)))
    (local.set $strideB (i32.shl (local.get $n) (i32.const 2)))
    (local.set $strideO (local.get $strideB))
    (local.set $m4 (i32.and (local.get $m) (i32.const -4)))
    (local.set $n8 (i32.and (local.get $n) (i32.const -8)))
    (block $idone
      (loop $il
        (br_if $idone (i32.ge_u (local.get $i) (local.get $m4)))
        (local.set $j (i32.const 0))
        (block $jdone
          (loop $jl
            (br_if $jdone (i32.ge_u (local.get $j) (local.get $n8)))
        (local.set $acc00 (v128.const i32x4 0 0 0 0))
        (local.set $acc01 (v128.const i32x4 0 0 0 0))
        (local.set $acc10 (v128.const i32x4 0 0 0 0))
        (local.set $acc11 (v128.const i32x4 0 0 0 0))
        (local.set $acc20 (v128.const i32x4 0 0 0 0))
        (local.set $acc21 (v128.const i32x4 0 0 0 0))
        (local.set $acc30 (v128.const i32x4 0 0 0 0))
        (local.set $acc31 (v128.const i32x4 0 0 0 0))
        (local.set $pa (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $strideA))))
        (local.set $pb (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $r (i32.const 0))
        (block $rdone
          (loop $rl
            (br_if $rdone (i32.ge_u (local.get $r) (local.get $k)))
            (local.set $b0 (v128.load (local.get $pb)))
            (local.set $b1 (v128.load offset=16 (local.get $pb)))
            (local.set $s (v128.load32_splat (local.get $pa)))
            (local.set $acc00 (f32x4.add (local.get $acc00) (f32x4.mul (local.get $s) (local.get $b0))))
            (local.set $acc01 (f32x4.add (local.get $acc01) (f32x4.mul (local.get $s) (local.get $b1))))
            (local.set $s (v128.load32_splat (i32.add (local.get $pa) (local.get $strideA))))
            (local.set $acc10 (f32x4.add (local.get $acc10) (f32x4.mul (local.get $s) (local.get $b0))))
            (local.set $acc11 (f32x4.add (local.get $acc11) (f32x4.mul (local.get $s) (local.get $b1))))
            (local.set $s (v128.load32_splat (i32.add (local.get $pa) (local.get $strideA2))))
            (local.set $acc20 (f32x4.add (local.get $acc20) (f32x4.mul (local.get $s) (local.get $b0))))
            (local.set $acc21 (f32x4.add (local.get $acc21) (f32x4.mul (local.get $s) (local.get $b1))))
            (local.set $s (v128.load32_splat (i32.add (local.get $pa) (local.get $strideA3))))
            (local.set $acc30 (f32x4.add (local.get $acc30) (f32x4.mul (local.get $s) (local.get $b0))))
            (local.set $acc31 (f32x4.add (local.get $acc31) (f32x4.mul (local.get $s) (local.get $b1))))
            (local.set $pa (i32.add (local.get $pa) (i32.const 4)))
            (local.set $pb (i32.add (local.get $pb) (local.get $strideB)))
            (local.set $r (i32.add (local.get $r) (i32.const 1)))
            (br $rl)))
        (local.set $po (i32.add (local.get $out)
          (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j)) (i32.const 2))))
        (v128.store offset=0 (local.get $po) (call $biasRelu4 (local.get $acc00) (local.get $bias) (i32.add (local.get $j) (i32.const 0)) (local.get $act)))
        (v128.store offset=16 (local.get $po) (call $biasRelu4 (local.get $acc01) (local.get $bias) (i32.add (local.get $j) (i32.const 4)) (local.get $act)))
        (local.set $po (i32.add (local.get $po) (local.get $strideO)))
        (v128.store offset=0 (local.get $po) (call $biasRelu4 (local.get $acc10) (local.get $bias) (i32.add (local.get $j) (i32.const 0)) (local.get $act)))
        (v128.store offset=16 (local.get $po) (call $biasRelu4 (local.get $acc11) (local.get $bias) (i32.add (local.get $j) (i32.const 4)) (local.get $act)))
        (local.set $po (i32.add (local.get $po) (local.get $strideO)))
        (v128.store offset=0 (local.get $po) (call $biasRelu4 (local.get $acc20) (local.get $bias) (i32.add (local.get $j) (i32.const 0)) (local.get $act)))
        (v128.store offset=16 (local.get $po) (call $biasRelu4 (local.get $acc21) (local.get $bias) (i32.add (local.get $j) (i32.const 4)) (local.get $act)))
        (local.set $po (i32.add (local.get $po) (local.get $strideO)))
        (v128.store offset=0 (local.get $po) (call $biasRelu4 (local.get $acc30) (local.get $bias) (i32.add (local.get $j) (i32.const 0)) (local.get $act)))
        (v128.store offset=16 (local.get $po) (call $biasRelu4 (local.get $acc31) (local.get $bias) (i32.add (local.get $j) (i32.const 4)) (local.get $act)))
        (local.set $po (i32.add (local.get $po) (local.get $strideO)))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br $jl)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $il)))
    ;; Columns past the last full block of 8 for the blocked rows, then the rows past the last
    ;; block of 4 for every column.
    (call $gemmEdge (local.get $a) (local.get $b) (local.get $bias) (local.get $out) (local.get $k)
      (local.get $n) (local.get $act) (i32.const 0) (local.get $m4) (local.get $n8) (local.get $n))
    (call $gemmEdge (local.get $a) (local.get $b) (local.get $bias) (local.get $out) (local.get $k)
      (local.get $n) (local.get $act) (local.get $m4) (local.get $m) (i32.const 0) (local.get $n)))

  ;; act(acc + bias[j .. j + 3]) (bias = 0: none; act 0 = linear, 1 = ReLU, 2 = ReLU6).
  (func $biasRelu4 (param $acc v128) (param $bias i32) (param $j i32) (param $act i32) (result v128)
    (if (local.get $bias)
      (then (local.set $acc (f32x4.add (local.get $acc)
        (v128.load (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2))))))))
    (if (local.get $act)
      (then (local.set $acc (f32x4.max (local.get $acc) (v128.const f32x4 0 0 0 0)))))
    (if (result v128) (i32.eq (local.get $act) (i32.const 2))
      (then (f32x4.min (local.get $acc) (v128.const f32x4 6 6 6 6)))
      (else (local.get $acc))))

  ;; gemm's out[i, j] one at a time for i in [i0, i1), j in [j0, j1) (the edges of its blocks).
  (func $gemmEdge
    (param $a i32) (param $b i32) (param $bias i32) (param $out i32) (param $k i32) (param $n i32)
    (param $act i32) (param $i0 i32) (param $i1 i32) (param $j0 i32) (param $j1 i32)
    (local $i i32) (local $j i32) (local $r i32) (local $pa i32) (local $pb i32) (local $acc f32)
    (local $strideB i32)
    (local.set $strideB (i32.shl (local.get $n) (i32.const 2)))
    (local.set $i (local.get $i0))
    (block $idone
      (loop $il
        (br_if $idone (i32.ge_u (local.get $i) (local.get $i1)))
        (local.set $j (local.get $j0))
        (block $jdone
          (loop $jl
            (br_if $jdone (i32.ge_u (local.get $j) (local.get $j1)))
            (local.set $acc (f32.const 0))
            (local.set $pa (i32.add (local.get $a) (i32.shl (i32.mul (local.get $i) (local.get $k)) (i32.const 2))))
            (local.set $pb (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))))
            (local.set $r (i32.const 0))
            (block $rdone
              (loop $rl
                (br_if $rdone (i32.ge_u (local.get $r) (local.get $k)))
                (local.set $acc (f32.add (local.get $acc)
                  (f32.mul (f32.load (local.get $pa)) (f32.load (local.get $pb)))))
                (local.set $pa (i32.add (local.get $pa) (i32.const 4)))
                (local.set $pb (i32.add (local.get $pb) (local.get $strideB)))
                (local.set $r (i32.add (local.get $r) (i32.const 1)))
                (br $rl)))
            (if (local.get $bias)
              (then (local.set $acc (f32.add (local.get $acc)
                (f32.load (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2))))))))
            (if (local.get $act)
              (then (local.set $acc (f32.max (local.get $acc) (f32.const 0)))))
            (if (i32.eq (local.get $act) (i32.const 2))
              (then (local.set $acc (f32.min (local.get $acc) (f32.const 6)))))
            (f32.store
              (i32.add (local.get $out)
                (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j)) (i32.const 2)))
              (local.get $acc))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $jl)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $il))))
)
