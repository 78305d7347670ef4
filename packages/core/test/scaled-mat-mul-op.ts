/**
 * Test fixture shared by the format packages' op-mapping tests: a custom op no package knows,
 * y = alpha · x · kernel, in its own registry, and a one-node graph of it.
 */
import {
  GraphBuilder,
  createOpRegistry,
  type Graph,
  type OpDef,
  type OpRegistry,
} from '@collabopt/core';

export const SCALED_MAT_MUL: OpDef = {
  name: 'ScaledMatMul',
  description: 'alpha · x · kernel',
  attrs: { units: { kind: 'int' }, alpha: { kind: 'float', default: 1 } },
  minInputs: 1,
  maxInputs: 1,
  weights: [
    {
      name: 'kernel',
      role: 'kernel',
      capabilities: { prunable: true, clusterable: true, quantizable: true, channelAxes: [1] },
      shape: (ctx) => [ctx.inputShapes[0]!.at(-1)!, ctx.attrs['units'] as number],
    },
  ],
  infer: (ctx) => [
    { shape: [ctx.inputShapes[0]![0]!, ctx.attrs['units'] as number], dtype: 'float32' },
  ],
};

/** A fresh op registry with the built-in ops and ScaledMatMul. */
export function scaledMatMulRegistry(): OpRegistry {
  const r = createOpRegistry();
  r.register(SCALED_MAT_MUL);
  return r;
}

/** x [batch, 3] → ScaledMatMul "smm" (2 units, alpha 0.5), seeded weights. */
export function scaledMatMulGraph(batch: number): Graph {
  const g = new GraphBuilder('custom', { registry: scaledMatMulRegistry(), seed: 2 });
  const x = g.input('x', [batch, 3]);
  return g.build(g.layer('ScaledMatMul', 'smm', x, { units: 2, alpha: 0.5 }));
}
