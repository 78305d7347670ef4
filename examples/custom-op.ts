/**
 * A custom layer: one op-registry entry (attributes, weight slots with their capabilities, shape
 * inference) plus an engine kernel. Built-in passes then treat it like a built-in op: `prune`
 * finds its kernel because the entry says the kernel is prunable.
 * Run: `npx tsx examples/custom-op.ts` (after `npm run build`).
 */
import {
  GraphBuilder,
  PassManager,
  PassRegistry,
  attrInt,
  createOpRegistry,
  floatTensor,
  shapeFail,
  silentLogger,
} from '@collabopt/core';
import { createEngine, tf } from '@collabopt/engine';
import { registerPruningPasses } from '@collabopt/pruning';

const ops = createOpRegistry(); // the built-in ops; ours is added to this copy only
ops.register({
  name: 'LinearNoBias',
  description: 'y = x · kernel (a dense layer without bias)',
  attrs: { units: { kind: 'int' } },
  minInputs: 1,
  maxInputs: 1,
  weights: [
    {
      name: 'kernel',
      role: 'kernel',
      // What passes may do with the weight, and which axis indexes output channels.
      capabilities: { prunable: true, clusterable: true, quantizable: true, channelAxes: [1] },
      shape: (ctx) => [ctx.inputShapes[0]!.at(-1)!, attrInt(ctx.attrs, 'units')],
    },
  ],
  infer: (ctx) => {
    const x = ctx.inputShapes[0]!;
    if (x.length !== 2) shapeFail(ctx, `expects [batch, features], got [${x.join(', ')}]`);
    return [{ shape: [x[0]!, attrInt(ctx.attrs, 'units')], dtype: 'float32' }];
  },
});

async function main(): Promise<void> {
  const b = new GraphBuilder('custom', { seed: 4, registry: ops });
  const h = b.layer('LinearNoBias', 'project', b.input('input', [-1, 8]), { units: 6 });
  const graph = b.build(b.layer('Dense', 'logits', h, { units: 3 }));

  const engine = await createEngine({ registry: ops, logger: silentLogger });
  engine.kernels.register('LinearNoBias', ([x], ctx) => tf.matMul(x!, ctx.weights['kernel']!));

  const x = floatTensor(
    [2, 8],
    Float32Array.from({ length: 16 }, (_, i) => i / 16),
  );
  const [before] = await engine.predict(graph, [x]);

  const passes = new PassRegistry();
  registerPruningPasses(passes);
  const result = await new PassManager({
    registry: ops,
    passRegistry: passes,
    logger: silentLogger,
  })
    .addPipeline('prune(sparsity=0.5, oneShot=true)')
    .run(graph);
  const kernel = result.graph.node('project').weight('kernel');
  const zeros = (kernel.tensor.data as Float32Array).filter((v) => v === 0).length;
  console.log(
    `LinearNoBias kernel: ${zeros}/${kernel.tensor.data.length} zeros, mask annotation: ${kernel.annotations.mask !== undefined}`,
  );
  const [after] = await engine.predict(result.graph, [x]);
  console.log(
    `outputs before pruning: ${Array.from(before!.data as Float32Array, (v) => v.toFixed(3)).join(' ')}`,
  );
  console.log(
    `outputs after pruning:  ${Array.from(after!.data as Float32Array, (v) => v.toFixed(3)).join(' ')}`,
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
