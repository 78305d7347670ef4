// A plugin for the command line: `collabopt --plugin ./examples/zero-small-weights-plugin.mjs
// optimize model.tflite -o out.tflite -d none -p "zeroSmallWeights(threshold=0.05)"`.
// The CLI calls register() with the registries it uses (passes, formats, ops) and the engine.
import { definePass } from '@collabopt/core';

const zeroSmallWeights = definePass({
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
  preserves: ['mask'],
  drops: ['codebook', 'quant', 'range'],
  run(graph, ctx, { threshold }) {
    let zeroed = 0;
    for (const node of graph.nodes)
      for (const slot of ctx.registry.get(node.op, node.name).weights) {
        const weight = node.weights[slot.name];
        if (!slot.capabilities.prunable || weight === undefined) continue;
        const data = weight.tensor.data;
        for (let i = 0; i < data.length; i++)
          if (data[i] !== 0 && Math.abs(data[i]) < threshold) {
            data[i] = 0;
            zeroed++;
          }
      }
    return { changed: zeroed > 0, report: { zeroed } };
  },
});

export function register({ passes }) {
  passes.register(zeroSmallWeights);
}
