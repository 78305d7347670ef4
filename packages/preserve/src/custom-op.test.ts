/**
 * "A custom op is one registry entry plus, where needed, a kernel": an op the built-ins do not know,
 * with a quantizable kernel declared in its registry entry, is pruned and quantized by the stock
 * passes with no other change. Its export to TFLite and ONNX (one mapping per format, registered
 * with registerTfliteOp / registerOnnxOp) after prune → ptq, checked in TF's interpreter and ONNX
 * Runtime, is e2e/format-onnx/custom-op.e2e.test.ts.
 */
import {
  GraphBuilder,
  MemoryLogger,
  PassManager,
  PassRegistry,
  biasSlot,
  checkMask,
  checkWeightContract,
  createOpRegistry,
  createRng,
  kernelCapabilities,
  type Graph,
  type OpDef,
  type OpRegistry,
} from '@collabopt/core';
import { builtinKernels, createDataset, createEngine, tf, type Engine } from '@collabopt/engine';
import { registerPruningPasses } from '@collabopt/pruning';
import { registerQuantizationPasses } from '@collabopt/quantization';

/** y = x · kernel + bias, with the kernel quantized per output unit (unlike Dense). */
const channelMix: OpDef = {
  name: 'ChannelMix',
  description: 'test op: per-unit quantized matrix product, kernel [in, units]',
  attrs: { units: { kind: 'int' } },
  minInputs: 1,
  maxInputs: 1,
  weights: [
    {
      name: 'kernel',
      role: 'kernel',
      capabilities: kernelCapabilities([1], true),
      shape: (ctx) => [ctx.inputShapes[0]![1]!, ctx.attrs['units'] as number],
    },
    { ...biasSlot((ctx) => [ctx.attrs['units'] as number]), present: () => true },
  ],
  infer: (ctx) => [
    { shape: [ctx.inputShapes[0]![0]!, ctx.attrs['units'] as number], dtype: 'float32' },
  ],
};

function model(registry: OpRegistry): Graph {
  const b = new GraphBuilder('custom', { registry, seed: 5 });
  const x = b.input('x', [-1, 16]);
  const h = b.layer('ChannelMix', 'mix', x, { units: 8 });
  return b.build(b.layer('Dense', 'logits', h, { units: 4 }));
}

describe('a custom op with a quantizable kernel', () => {
  let engine: Engine;
  const registry = createOpRegistry();
  registry.register(channelMix);
  const kernels = builtinKernels();
  kernels.register('ChannelMix', ([x], ctx) =>
    tf.add(tf.matMul(x as tf.Tensor2D, ctx.weights['kernel'] as tf.Tensor2D), ctx.weights['bias']!),
  );
  const rng = createRng(3);
  const data = createDataset(
    Float32Array.from({ length: 64 * 16 }, () => rng.uniform(-1, 1)),
    Int32Array.from({ length: 64 }, () => rng.int(4)),
    [16],
    'random',
  );

  beforeAll(async () => {
    engine = await createEngine({ backend: 'cpu', registry, kernels, logger: new MemoryLogger() });
  });

  it('is pruned and int8-quantized (per channel, as its entry declares) by prune → ptq', async () => {
    const passes = new PassRegistry();
    registerPruningPasses(passes);
    registerQuantizationPasses(passes);
    const r = await new PassManager({
      registry,
      passRegistry: passes,
      engine,
      data: { calibration: data },
      logger: new MemoryLogger(),
    })
      .addPipeline('prune(sparsity=0.5, oneShot=true) | ptq(mode=int8, samples=64, batchSize=32)')
      .run(model(registry));
    const kernel = r.graph.node('mix').weight('kernel');
    expect(checkMask(kernel.tensor, kernel.annotations.mask!).ok).toBe(true);
    expect(Array.from(kernel.tensor.data as Float32Array).filter((v) => v === 0).length).toBe(
      (16 * 8) / 2,
    );
    expect(kernel.annotations.quant).toMatchObject({ dtype: 'int8', channelAxes: [1] });
    expect(kernel.annotations.quant!.scale.length).toBe(8);
    expect(checkWeightContract(kernel, 'quant')).toEqual({ ok: true });
    const bias = r.graph.node('mix').weight('bias');
    expect(bias.annotations.quant).toMatchObject({ dtype: 'int32', channelAxes: [0] });
    expect(bias.annotations.quant!.scale.length).toBe(8);
    // bias scale = input scale × kernel scale, per unit
    const inScale = r.graph.value('x').annotations.quant!.scale[0]!;
    const kScale = kernel.annotations.quant!.scale;
    bias.annotations.quant!.scale.forEach((s, c) => expect(s).toBeCloseTo(inScale * kScale[c]!, 9));
    expect(r.graph.value('mix').annotations.quant).toMatchObject({ dtype: 'int8' });
    // Dense stays per tensor
    expect(r.graph.node('logits').weight('kernel').annotations.quant!.scale.length).toBe(1);
  });
});
