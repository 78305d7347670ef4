import type { SimdArgs, SimdKernelName, SimdParam } from './simd/simd-kernels';
import type { HeapSimd } from './wasm-heap';

/**
 * Calls per thread a kernel is split into: threads claim calls as they come free, so a thread
 * the OS delays (other processes on the cores) leaves its share to the others.
 */
export const CALLS_PER_THREAD = 4;

/**
 * Kernels over less batched data than this (bytes of every per-image operand) run as one call:
 * handing a job to a helper costs a wake-up (tens of µs), as much as such a kernel takes.
 */
let minimumSplitBytes = 1 << 20;

/** Tests and benchmarks only: split kernels over at least this many bytes (default 1 MiB). */
export function setMinimumSplitBytes(bytes: number): void {
  minimumSplitBytes = bytes;
}

/** How many calls to split a kernel over `n` images of `imageBytes` bytes into. */
function callCount(simd: HeapSimd, n: number, imageBytes: number): number {
  const threads = simd.threads();
  return threads > 1 && n * imageBytes >= minimumSplitBytes ? threads * CALLS_PER_THREAD : 1;
}

function bytesPerImage(perImage: Partial<Record<string, number>>): number {
  return Object.values(perImage).reduce<number>((sum, b) => sum + (b ?? 0), 0);
}

/** `parts` contiguous image ranges (fewer when there are fewer images), sizes differing by ≤ 1. */
export function imageRanges(n: number, parts: number): { start: number; count: number }[] {
  const k = Math.max(1, Math.min(parts, n));
  const ranges: { start: number; count: number }[] = [];
  for (let i = 0, start = 0; i < k; i++) {
    const count = Math.floor(n / k) + (i < n % k ? 1 : 0);
    ranges.push({ start, count });
    start += count;
  }
  return ranges;
}

/** How a kernel's batched arguments move per image: its image-count parameter and byte strides. */
export interface ImageSplit<K extends SimdKernelName> {
  /** The parameter holding the number of images. */
  readonly batch: SimdParam<K>;
  /** Bytes per image of every argument that points at batched data. */
  readonly perImage: Partial<Record<SimdParam<K>, number>>;
}

function callsFor<K extends SimdKernelName>(
  args: SimdArgs<K>,
  split: ImageSplit<K>,
  ranges: readonly { start: number; count: number }[],
): Record<string, number>[] {
  return ranges.map(({ start, count }) => {
    const call: Record<string, number> = { ...(args as Record<string, number>) };
    call[split.batch] = count;
    for (const [p, bytes] of Object.entries(split.perImage) as [string, number][])
      call[p] = call[p]! + start * bytes;
    return call;
  });
}

/**
 * Run a kernel whose output for an image depends only on that image (input gradients, pooling
 * gradients) split by images into calls the SIMD threads share; one call where there is one
 * thread.
 */
export function runByImages<K extends SimdKernelName>(
  simd: HeapSimd,
  name: K,
  args: SimdArgs<K>,
  split: ImageSplit<K>,
): void {
  const n = (args as Record<string, number>)[split.batch]!;
  const ranges = imageRanges(n, callCount(simd, n, bytesPerImage(split.perImage)));
  if (ranges.length === 1) {
    (simd.kernels[name] as (a: SimdArgs<K>) => void)(args);
    return;
  }
  simd.parallel(name, callsFor(args, split, ranges) as unknown as SimdArgs<K>[]);
}

/** What a kernel that sums over the images writes, and the scratch memory each call needs. */
export interface SummedOutputs<K extends SimdKernelName> {
  /** Every output the kernel sums into, with its size in floats. */
  readonly outs: Partial<Record<SimdParam<K>, number>>;
  /** Scratch arguments every call needs a private copy of, with their size in bytes. */
  readonly scratch?: Partial<Record<SimdParam<K>, number>>;
}

const align16 = (bytes: number): number => Math.ceil(bytes / 16) * 16;

/**
 * Run a kernel that sums over the images into its outputs (filter gradients, batch-norm sums)
 * split by images into calls the SIMD threads share: every call but the first writes its own
 * sums to scratch memory, added into the outputs afterwards in call order (the result does not
 * depend on which thread ran which call).
 */
export function runByImagesSummed<K extends SimdKernelName>(
  simd: HeapSimd,
  name: K,
  args: SimdArgs<K>,
  split: ImageSplit<K> & SummedOutputs<K>,
): void {
  const named = args as Record<string, number>;
  const n = named[split.batch]!;
  const ranges = imageRanges(n, callCount(simd, n, bytesPerImage(split.perImage)));
  if (ranges.length === 1) {
    (simd.kernels[name] as (a: SimdArgs<K>) => void)(args);
    return;
  }
  const private_ = [
    ...(Object.entries(split.outs) as [string, number][]).map(([p, floats]) => ({
      p,
      bytes: align16(floats * 4),
      floats,
    })),
    ...(Object.entries(split.scratch ?? {}) as [string, number][]).map(([p, bytes]) => ({
      p,
      bytes: align16(bytes),
      floats: 0,
    })),
  ];
  const perCall = private_.reduce((sum, q) => sum + q.bytes, 0);
  const block = simd.malloc(perCall * (ranges.length - 1) + 16);
  try {
    const base = align16(block);
    const calls = callsFor(args, split, ranges);
    for (let i = 1; i < calls.length; i++) {
      let at = base + (i - 1) * perCall;
      for (const q of private_) {
        calls[i]![q.p] = at;
        at += q.bytes;
      }
    }
    simd.parallel(name, calls as unknown as SimdArgs<K>[]);
    for (let i = 1; i < calls.length; i++)
      for (const q of private_)
        if (q.floats > 0)
          simd.kernels.addInto({ dst: named[q.p]!, src: calls[i]![q.p]!, n: q.floats });
  } finally {
    simd.free(block);
  }
}
