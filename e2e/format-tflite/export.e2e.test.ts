/**
 * Files written by writeTflite run in the real TFLite runtimes and agree with each other:
 * TensorFlow 2.21's interpreter, the TFLite WASM build in @tensorflow/tfjs-tflite and, where it
 * has the ops, Arm NN. Float ≤ 1e-5 relative; int8 bit-exact between the TFLite builds.
 * All files are built first, then each runtime runs every file in one process (keeps the suite fast).
 */
import { float16BitsToFloat32, float32ToFloat16Bits, type Graph } from '@collabopt/core';
import { writeTflite } from '@collabopt/format-tflite';
import { annotateDynamic, annotateFloat16, annotateInt8 } from '../../packages/format-tflite/src/__fixtures__/annotate';
import { convFamilyModel, elementwiseModel, sampleInput } from '../../packages/format-tflite/src/__fixtures__/models';
import { hasArmnn } from '../helpers/oracle';
import {
  maxAbsError,
  maxRelativeError,
  outputsOf,
  runArmnn,
  runTfInterpreter,
  runTfjsTflite,
  type Job,
  type RuntimeTensor,
  type SampleInput,
} from './runtimes';

interface ModelCase {
  name: string;
  make: () => Graph;
  /** Arm NN 20.08 has every op of this model. */
  armnn: boolean;
}

const CASES: ModelCase[] = [
  { name: 'conv_family', make: () => convFamilyModel(1), armnn: false },
  // Arm NN 20.08 parses TRANSPOSE_CONV only without the bias input.
  { name: 'conv_family_no_transpose_bias', make: () => convFamilyModel(1, { transposeBias: false }), armnn: true },
  { name: 'elementwise', make: () => elementwiseModel(2), armnn: true },
];
const SAMPLES = 4;
const armnnAvailable = hasArmnn();

function samplesFor(g: Graph, count = SAMPLES, seed = 11): SampleInput[][] {
  const shape = g.inputs[0]!.shape!;
  return Array.from({ length: count }, (_, i) => [{ data: sampleInput(shape, 1, seed + i), shape: [1, ...shape.slice(1)] }]);
}

function quantizeInputs(samples: SampleInput[][], scale: number, zp: number): SampleInput[][] {
  return samples.map((s) =>
    s.map((x) => ({ shape: x.shape, dtype: 'int8' as const, data: Array.from(x.data, (v) => Math.max(-128, Math.min(127, Math.round(v / scale) + zp))) })),
  );
}

function roundedToHalf(g: Graph): Graph {
  for (const { weight } of g.weights()) {
    const d = weight.tensor.data as Float32Array;
    for (let i = 0; i < d.length; i++) d[i] = float16BitsToFloat32(float32ToFloat16Bits(d[i]!));
  }
  return g;
}

type Kind = 'float32' | 'float16' | 'halfRef' | 'dynamic' | 'dynamicRef' | 'int8' | 'int8-io' | 'int8Ref';
interface Built {
  graphs: Partial<Record<Kind, Graph>>;
  files: Partial<Record<Kind, Uint8Array>>;
  samples: SampleInput[][];
  int8IoSamples?: SampleInput[][];
}

const built = new Map<string, Built>();
const tf = new Map<string, RuntimeTensor[][]>();
const wasm = new Map<string, RuntimeTensor[][]>();
const arm = new Map<string, RuntimeTensor[][] | string>();
const key = (c: string, k: Kind): string => `${c}/${k}`;

beforeAll(() => {
  // Phase 1: float, float16, dynamic files and calibration of the float models in the interpreter.
  const phase1: { c: string; k: Kind | 'calibration'; job: Job }[] = [];
  for (const c of CASES) {
    const b: Built = { graphs: {}, files: {}, samples: [] };
    built.set(c.name, b);
    b.graphs.float32 = c.make();
    b.graphs.float16 = annotateFloat16(c.make());
    b.graphs.halfRef = roundedToHalf(c.make());
    b.graphs.dynamic = annotateDynamic(c.make());
    b.samples = samplesFor(b.graphs.float32);
    for (const k of ['float32', 'float16', 'halfRef', 'dynamic'] as Kind[]) b.files[k] = writeTflite(b.graphs[k]!);
    b.files.dynamicRef = writeTflite(b.graphs.dynamic, { mode: 'float32' });
    for (const k of ['float32', 'float16', 'halfRef', 'dynamic', 'dynamicRef'] as Kind[]) {
      phase1.push({ c: c.name, k, job: { model: b.files[k]!, samples: b.samples } });
    }
    phase1.push({ c: c.name, k: 'calibration', job: { model: b.files.float32!, samples: samplesFor(b.graphs.float32, 8, 100), ranges: true } });
  }
  const r1 = runTfInterpreter(phase1.map((p) => p.job));
  const ranges = new Map<string, Record<string, [number, number]>>();
  phase1.forEach((p, i) => {
    if (p.k === 'calibration') ranges.set(p.c, r1[i]!.ranges!);
    else tf.set(key(p.c, p.k), outputsOf(r1[i], `TF ${p.c} ${p.k}`));
  });

  // Phase 2: int8 files annotated from the calibration ranges (docs/quantization-contract.md rules).
  const phase2: { c: string; k: Kind; job: Job }[] = [];
  for (const c of CASES) {
    const b = built.get(c.name)!;
    const r = ranges.get(c.name)!;
    const rangeOf = (name: string): [number, number] => {
      const x = r[name];
      if (!x) throw new Error(`no calibration range for ${name}`);
      return x;
    };
    b.graphs.int8 = annotateInt8(c.make(), (v) => rangeOf(v.name), 'int8');
    b.graphs['int8-io'] = annotateInt8(c.make(), (v) => rangeOf(v.name), 'int8-io');
    b.files.int8 = writeTflite(b.graphs.int8);
    b.files['int8-io'] = writeTflite(b.graphs['int8-io']);
    b.files.int8Ref = writeTflite(b.graphs.int8, { mode: 'float32' });
    const q = b.graphs.int8.inputs[0]!.annotations.quant!;
    b.int8IoSamples = quantizeInputs(b.samples, q.scale[0]!, q.zeroPoint[0]!);
    phase2.push({ c: c.name, k: 'int8', job: { model: b.files.int8, samples: b.samples } });
    phase2.push({ c: c.name, k: 'int8-io', job: { model: b.files['int8-io'], samples: b.int8IoSamples } });
    phase2.push({ c: c.name, k: 'int8Ref', job: { model: b.files.int8Ref, samples: b.samples } });
  }
  const r2 = runTfInterpreter(phase2.map((p) => p.job));
  phase2.forEach((p, i) => tf.set(key(p.c, p.k), outputsOf(r2[i], `TF ${p.c} ${p.k}`)));

  // The WASM TFLite runtime and Arm NN run every file (Arm NN: no float16, no hybrid kernels).
  const wasmJobs: { c: string; k: Kind; job: Job }[] = [];
  const armJobs: { c: string; k: Kind; job: Job }[] = [];
  for (const c of CASES) {
    const b = built.get(c.name)!;
    for (const k of ['float32', 'float16', 'dynamic', 'int8', 'int8-io'] as Kind[]) {
      const samples = k === 'int8-io' ? b.int8IoSamples! : b.samples;
      wasmJobs.push({ c: c.name, k, job: { model: b.files[k]!, samples } });
      if (c.armnn && (k === 'float32' || k === 'int8' || k === 'int8-io')) armJobs.push({ c: c.name, k, job: { model: b.files[k]!, samples } });
    }
  }
  const rw = runTfjsTflite(wasmJobs.map((p) => p.job));
  wasmJobs.forEach((p, i) => wasm.set(key(p.c, p.k), outputsOf(rw[i], `tfjs-tflite ${p.c} ${p.k}`)));
  if (armnnAvailable) {
    const ra = runArmnn(armJobs.map((p) => p.job));
    armJobs.forEach((p, i) => arm.set(key(p.c, p.k), ra[i]!.error ?? ra[i]!.samples));
  }
}, 240_000);

function first(outputs: RuntimeTensor[][] | undefined, sample: number): number[] {
  const o = outputs?.[sample]?.[0];
  if (!o) throw new Error('missing output');
  return o.data;
}

function armOutputs(c: string, k: Kind): RuntimeTensor[][] {
  const a = arm.get(key(c, k));
  if (typeof a === 'string') throw new Error(`Arm NN refused ${c} ${k}: ${a}`);
  if (!a) throw new Error(`Arm NN did not run ${c} ${k}`);
  return a;
}

describe.each(CASES)('$name exported to TFLite', (c) => {
  it('float32 agrees across the TFLite interpreter, tfjs-tflite and Arm NN', () => {
    for (let i = 0; i < SAMPLES; i++) {
      const ref = first(tf.get(key(c.name, 'float32')), i);
      expect(maxRelativeError(first(wasm.get(key(c.name, 'float32')), i), ref)).toBeLessThanOrEqual(1e-5);
      if (c.armnn && armnnAvailable) expect(maxRelativeError(first(armOutputs(c.name, 'float32'), i), ref)).toBeLessThanOrEqual(1e-5);
    }
  });

  it('float16 weights + DEQUANTIZE compute what float32 weights rounded to half do', () => {
    for (let i = 0; i < SAMPLES; i++) {
      const ref = first(tf.get(key(c.name, 'halfRef')), i);
      expect(maxRelativeError(first(tf.get(key(c.name, 'float16')), i), ref)).toBeLessThanOrEqual(1e-5);
      expect(maxRelativeError(first(wasm.get(key(c.name, 'float16')), i), ref)).toBeLessThanOrEqual(1e-5);
    }
  });

  it('dynamic range (int8 weights, float activations) runs in both TFLite builds close to float', () => {
    for (let i = 0; i < SAMPLES; i++) {
      const t = first(tf.get(key(c.name, 'dynamic')), i);
      // Hybrid kernels quantize activations on the fly: agreement to a few activation steps.
      expect(maxAbsError(t, first(tf.get(key(c.name, 'dynamicRef')), i))).toBeLessThan(0.05);
      expect(maxAbsError(first(wasm.get(key(c.name, 'dynamic')), i), t)).toBeLessThan(0.05);
    }
  });

  it.each(['int8', 'int8-io'] as Kind[])('%s is bit-exact between the TFLite builds, Arm NN within 1 LSB, close to float', (k) => {
    const g = built.get(c.name)!.graphs[k]!;
    const outQ = g.outputs[0]!.annotations.quant!;
    const lsb = k === 'int8-io' ? 1 : outQ.scale[0]!;
    for (let i = 0; i < SAMPLES; i++) {
      const t = first(tf.get(key(c.name, k)), i);
      expect(first(wasm.get(key(c.name, k)), i)).toEqual(t);
      if (c.armnn && armnnAvailable) expect(maxAbsError(first(armOutputs(c.name, k), i), t)).toBeLessThanOrEqual(lsb * 1.0001);
      const real = k === 'int8-io' ? t.map((q) => outQ.scale[0]! * (q - outQ.zeroPoint[0]!)) : t;
      expect(maxAbsError(real, first(tf.get(key(c.name, 'int8Ref')), i))).toBeLessThan(12 * outQ.scale[0]!);
    }
  });
});
