/**
 * Files written by writeTflite run in the real TFLite runtimes — TensorFlow 2.21's interpreter, the
 * TFLite WASM build in @tensorflow/tfjs-tflite and, where it has the ops, Arm NN — and agree with
 * our engine on the IR: float ≤ 1e-5 relative; int8 bit-exact between the TFLite builds and within
 * 1 LSB of the engine's int8 simulation (grid weights, fake-quantized activations).
 * Quantized graphs come from the quantization plugin's PTQ (docs/quantization-contract.md).
 * All files are built first; each runtime then runs every file in one process.
 */
import { tensor, type Graph, type QuantAnnotation, type Tensor } from '@collabopt/core';
import { createDataset, createEngine, type Engine } from '@collabopt/engine';
import { writeTflite } from '@collabopt/format-tflite';
import {
  quantizePostTraining,
  simulationTransform,
  type QuantizationMode,
} from '@collabopt/quantization';
import {
  activationsModel,
  convFamilyModel,
  elementwiseModel,
  resizeModel,
  sampleInput,
} from '../../packages/format-tflite/test/models';
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
  /** Allowed distance to our int8 simulation, in output steps (default 1). */
  int8Lsb?: number;
  /** Float files only (activations lowered to several ops have no int8 form). */
  floatOnly?: boolean;
}

const CASES: ModelCase[] = [
  { name: 'conv_family', make: () => convFamilyModel(1), armnn: false },
  // Arm NN 20.08 parses TRANSPOSE_CONV only without the bias input.
  {
    name: 'conv_family_no_transpose_bias',
    make: () => convFamilyModel(1, { transposeBias: false }),
    armnn: true,
  },
  { name: 'elementwise', make: () => elementwiseModel(2), armnn: true },
  // Arm NN 20.08 has no half-pixel bilinear resize. TFLite's int8 RESIZE_BILINEAR interpolates in
  // fixed point with its own rounding, the simulation rounds the float interpolation: measured up
  // to 2 output steps after MEAN and FULLY_CONNECTED (every other model stays within 1).
  { name: 'resize', make: () => resizeModel(3), armnn: false, int8Lsb: 2 },
  // elu, swish, hard_sigmoid (ELU is not in Arm NN 20.08's parser).
  { name: 'activations', make: () => activationsModel(4), armnn: false, floatOnly: true },
];
const SAMPLES = 4;
const armnnAvailable = hasArmnn();
type Kind = 'float32' | 'float16' | 'dynamic' | 'int8' | 'int8-io';
const KINDS: Kind[] = ['float32', 'float16', 'dynamic', 'int8', 'int8-io'];

interface Built {
  graph: Graph;
  file: Uint8Array;
  /** Runtime inputs (int8 values for int8-io). */
  samples: SampleInput[][];
  /** Our engine on the IR (int8: the simulation), one entry per sample. */
  engine: number[][];
}

const built = new Map<string, Built>();
/** Pruned conv_family (75 % zeros in c2 and d1) written dense and with sparse: true. */
const sparse: {
  mode: 'float32' | 'int8';
  dense: Uint8Array;
  sparse: Uint8Array;
  samples: SampleInput[][];
}[] = [];
const sparseTf: RuntimeTensor[][][] = [];
const sparseWasm: (RuntimeTensor[][] | string)[] = [];
const tf = new Map<string, RuntimeTensor[][]>();
const wasm = new Map<string, RuntimeTensor[][]>();
const arm = new Map<string, RuntimeTensor[][] | string>();
const key = (c: string, k: Kind): string => `${c}/${k}`;
let engine: Engine;

function perSample(shape: readonly number[], count: number, seed: number): Float32Array[] {
  return Array.from({ length: count }, (_, i) => sampleInput(shape, 1, seed + i));
}

function batchTensor(samples: Float32Array[], shape: readonly number[]): Tensor {
  const per = samples[0]!.length;
  const data = new Float32Array(per * samples.length);
  samples.forEach((s, i) => data.set(s, i * per));
  return tensor('float32', [samples.length, ...shape.slice(1)], data);
}

function quantize(x: number, q: QuantAnnotation): number {
  const v = Math.round(x / q.scale[0]!) + q.zeroPoint[0]!;
  return Math.max(-128, Math.min(127, v));
}

async function engineOutputs(
  g: Graph,
  samples: Float32Array[],
  int8: boolean,
): Promise<number[][]> {
  const shape = g.inputs[0]!.shape!;
  let xs = samples;
  if (int8) {
    // The graph input is quantized by TFLite's QUANTIZE (or given as int8): the simulation sees the same grid values.
    const q = g.inputs[0]!.annotations.quant!;
    xs = samples.map((s) => s.map((v) => q.scale[0]! * (quantize(v, q) - q.zeroPoint[0]!)));
  }
  const [y] = await engine.predict(
    g,
    [batchTensor(xs, shape)],
    int8 ? { activationTransforms: [simulationTransform(g)] } : {},
  );
  const data = Array.from(y!.data as Float32Array);
  const per = data.length / samples.length;
  return samples.map((_, i) => data.slice(i * per, (i + 1) * per));
}

beforeAll(async () => {
  engine = await createEngine();
  const jobs: { c: string; k: Kind; job: Job }[] = [];
  for (const c of CASES) {
    const shape = c.make().inputs[0]!.shape!;
    const inputs = perSample(shape, SAMPLES, 11);
    const calibration = perSample(shape, 64, 1000);
    const calib = createDataset(
      batchTensor(calibration, shape).data as Float32Array,
      new Int32Array(64),
      shape.slice(1),
      `${c.name}-calibration`,
    );
    for (const k of KINDS) {
      if (c.floatOnly && (k === 'int8' || k === 'int8-io')) continue;
      const g = c.make();
      if (k !== 'float32') {
        await quantizePostTraining(g, {
          mode: k as QuantizationMode,
          engine,
          data: calib,
          samples: 64,
          batchSize: 16,
        });
      }
      const file = writeTflite(g);
      const int8 = k === 'int8' || k === 'int8-io';
      const floatSamples: SampleInput[][] = inputs.map((x) => [
        { data: x, shape: [1, ...shape.slice(1)] },
      ]);
      const q = g.inputs[0]!.annotations.quant;
      const samples =
        k === 'int8-io'
          ? inputs.map((x) => [
              {
                data: Array.from(x, (v) => quantize(v, q!)),
                shape: [1, ...shape.slice(1)],
                dtype: 'int8' as const,
              },
            ])
          : floatSamples;
      built.set(key(c.name, k), {
        graph: g,
        file,
        samples,
        engine: await engineOutputs(g, inputs, int8),
      });
      jobs.push({ c: c.name, k, job: { model: file, samples } });
    }
  }
  for (const mode of ['float32', 'int8'] as const) {
    const g = convFamilyModel(1);
    for (const name of ['c2', 'd1']) {
      const d = g.node(name).weight('kernel').tensor.data as Float32Array;
      const sorted = Array.from(d, Math.abs).sort((a, b) => a - b);
      const threshold = sorted[Math.floor(sorted.length * 0.75)]!;
      for (let i = 0; i < d.length; i++) if (Math.abs(d[i]!) < threshold) d[i] = 0;
    }
    const shape = g.inputs[0]!.shape!;
    if (mode === 'int8') {
      const calibration = perSample(shape, 64, 1000);
      const calib = createDataset(
        batchTensor(calibration, shape).data as Float32Array,
        new Int32Array(64),
        shape.slice(1),
      );
      await quantizePostTraining(g, {
        mode: 'int8',
        engine,
        data: calib,
        samples: 64,
        batchSize: 16,
      });
    }
    const samples = perSample(shape, SAMPLES, 11).map((x) => [
      { data: x, shape: [1, ...shape.slice(1)] },
    ]);
    sparse.push({ mode, dense: writeTflite(g), sparse: writeTflite(g, { sparse: true }), samples });
  }
  const sparseJobs = sparse.flatMap((s) => [
    { model: s.dense, samples: s.samples },
    { model: s.sparse, samples: s.samples },
  ]);
  const rs = runTfInterpreter(sparseJobs);
  rs.forEach((r, i) => sparseTf.push(outputsOf(r, `TF sparse job ${i}`)));
  runTfjsTflite(sparseJobs).forEach((r) => sparseWasm.push(r.error ?? r.samples));

  const rt = runTfInterpreter(jobs.map((j) => j.job));
  jobs.forEach((j, i) => tf.set(key(j.c, j.k), outputsOf(rt[i], `TF ${j.c} ${j.k}`)));
  const rw = runTfjsTflite(jobs.map((j) => j.job));
  jobs.forEach((j, i) => wasm.set(key(j.c, j.k), outputsOf(rw[i], `tfjs-tflite ${j.c} ${j.k}`)));
  if (armnnAvailable) {
    // Arm NN: no float16 and no hybrid (dynamic-range) kernels.
    const armJobs = jobs.filter(
      (j) =>
        CASES.find((c) => c.name === j.c)!.armnn &&
        (j.k === 'float32' || j.k === 'int8' || j.k === 'int8-io'),
    );
    const ra = runArmnn(armJobs.map((j) => j.job));
    armJobs.forEach((j, i) => arm.set(key(j.c, j.k), ra[i]!.error ?? ra[i]!.samples));
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
  it('float32 agrees with our engine in the TFLite interpreter, tfjs-tflite and Arm NN (≤ 1e-5)', () => {
    const b = built.get(key(c.name, 'float32'))!;
    for (let i = 0; i < SAMPLES; i++) {
      const ours = b.engine[i]!;
      expect(maxRelativeError(first(tf.get(key(c.name, 'float32')), i), ours)).toBeLessThanOrEqual(
        1e-5,
      );
      expect(
        maxRelativeError(first(wasm.get(key(c.name, 'float32')), i), ours),
      ).toBeLessThanOrEqual(1e-5);
      if (c.armnn && armnnAvailable)
        expect(maxRelativeError(first(armOutputs(c.name, 'float32'), i), ours)).toBeLessThanOrEqual(
          1e-5,
        );
    }
  });

  it('float16 weights + DEQUANTIZE agree with our engine on the half-rounded weights (≤ 1e-5)', () => {
    const b = built.get(key(c.name, 'float16'))!;
    for (let i = 0; i < SAMPLES; i++) {
      expect(
        maxRelativeError(first(tf.get(key(c.name, 'float16')), i), b.engine[i]!),
      ).toBeLessThanOrEqual(1e-5);
      expect(
        maxRelativeError(first(wasm.get(key(c.name, 'float16')), i), b.engine[i]!),
      ).toBeLessThanOrEqual(1e-5);
    }
  });

  it('dynamic range (int8 weights, float activations) is close to our engine on the grid weights', () => {
    const b = built.get(key(c.name, 'dynamic'))!;
    for (let i = 0; i < SAMPLES; i++) {
      const t = first(tf.get(key(c.name, 'dynamic')), i);
      // Hybrid kernels quantize their input activations on the fly: agreement to a few activation steps.
      expect(maxAbsError(t, b.engine[i]!)).toBeLessThan(0.05);
      expect(maxAbsError(first(wasm.get(key(c.name, 'dynamic')), i), t)).toBeLessThan(0.05);
    }
  });

  const int8Kinds: Kind[] = c.floatOnly ? [] : ['int8', 'int8-io'];
  for (const k of int8Kinds)
    it(`${k} is bit-exact between the TFLite builds and within 1 LSB of our int8 simulation (resize: 2)`, () => {
      const b = built.get(key(c.name, k))!;
      const outQ = b.graph.outputs[0]!.annotations.quant!;
      const step = outQ.scale[0]!;
      for (let i = 0; i < SAMPLES; i++) {
        const t = first(tf.get(key(c.name, k)), i);
        expect(first(wasm.get(key(c.name, k)), i)).toEqual(t);
        const real = k === 'int8-io' ? t.map((q) => step * (q - outQ.zeroPoint[0]!)) : t;
        expect(maxAbsError(real, b.engine[i]!)).toBeLessThanOrEqual(
          step * (c.int8Lsb ?? 1) * 1.001,
        );
        if (c.armnn && armnnAvailable) {
          const a = first(armOutputs(c.name, k), i);
          expect(maxAbsError(a, t)).toBeLessThanOrEqual((k === 'int8-io' ? 1 : step) * 1.001);
        }
      }
    });
});

describe('sparse weights (SparsityParameters + DENSIFY)', () => {
  it.each([0, 1])(
    'pruned conv_family (%#: float32, int8) is smaller and computes the same in the TFLite interpreter',
    (i) => {
      const s = sparse[i]!;
      expect(s.sparse.length).toBeLessThan(s.dense.length);
      const dense = sparseTf[2 * i]!;
      const sp = sparseTf[2 * i + 1]!;
      dense.forEach((d, j) => expect(sp[j]![0]!.data).toEqual(d[0]!.data));
    },
  );

  it('tfjs-tflite runs the sparse files with the same outputs as the interpreter', () => {
    sparseWasm.forEach((r, i) => {
      if (typeof r === 'string') throw new Error(`tfjs-tflite refused sparse job ${i}: ${r}`);
      r.forEach((d, j) => expect(d[0]!.data).toEqual(sparseTf[i]![j]![0]!.data));
    });
  });
});
