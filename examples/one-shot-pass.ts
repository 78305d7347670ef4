/**
 * A one-shot pass (no training), declared once with `definePass`, registered, and used in a text
 * pipeline after a built-in pass. Run: `npx tsx examples/one-shot-pass.ts` (after `npm run build`).
 */
import {
  GraphBuilder,
  PassManager,
  PassRegistry,
  definePass,
  silentLogger,
  type Graph,
} from '@collabopt/core';
import { registerPruningPasses } from '@collabopt/pruning';

/** Zero every prunable weight whose magnitude is below `threshold`. */
export const zeroSmallWeights = definePass({
  name: 'zeroSmallWeights',
  description: 'set prunable weights with |w| < threshold to exactly zero',
  options: {
    threshold: {
      kind: 'number',
      min: 0,
      default: 0.01,
      description: 'magnitude below which a weight becomes 0',
    },
  },
  // Zeroing more weights keeps a pruning mask true (masked weights stay 0) but moves values off a
  // codebook or a quantization grid, so those contracts are declared dropped.
  preserves: ['mask'],
  drops: ['codebook', 'quant', 'range'],
  run(graph, ctx, { threshold }) {
    let zeroed = 0;
    for (const node of graph.nodes) {
      for (const slot of ctx.registry.get(node.op, node.name).weights) {
        const weight = node.weights[slot.name];
        if (!slot.capabilities.prunable || weight === undefined) continue;
        const data = weight.tensor.data as Float32Array;
        for (let i = 0; i < data.length; i++)
          if (data[i] !== 0 && Math.abs(data[i]!) < threshold) {
            data[i] = 0;
            zeroed++;
          }
      }
    }
    return { changed: zeroed > 0, report: { zeroed } };
  },
});

function tinyModel(): Graph {
  const b = new GraphBuilder('tiny', { seed: 1 });
  const x = b.input('input', [-1, 16]);
  const h = b.layer('Dense', 'hidden', x, { units: 32, activation: 'relu' });
  return b.build(b.layer('Dense', 'logits', h, { units: 4 }));
}

async function main(): Promise<void> {
  const passes = new PassRegistry();
  registerPruningPasses(passes); // the built-in prune pass
  passes.register(zeroSmallWeights); // ours: the same object is the factory and the registry entry

  // Typed, partial options from the schema (threshold: number; everything else defaulted):
  console.log(`created from code: ${zeroSmallWeights.create({ threshold: 0.05 }).name}`);

  const result = await new PassManager({ passRegistry: passes, logger: silentLogger })
    .addPipeline('prune(sparsity=0.5, oneShot=true) | zeroSmallWeights(threshold=0.25)')
    .run(tinyModel());
  for (const r of result.records)
    console.log(`${r.pass.padEnd(16)} sparsity ${(r.sparsity * 100).toFixed(1)}%`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
