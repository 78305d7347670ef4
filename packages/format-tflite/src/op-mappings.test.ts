import {
  GraphBuilder,
  InvalidArgumentError,
  createOpRegistry,
  isCollaboptError,
  type OpDef,
} from '@collabopt/core';
import { writeTflite } from './export/writer';
import { readTflite } from './import/reader';
import { tfliteExportHelpers, tfliteImportHelpers } from './mapping-helpers';
import { registerTfliteOp } from './op-mappings';
import { BuiltinOptionsType } from './schema/builtin-options';
import { BuiltinOperator as Op } from './schema/enums';
import { parseModel, serializeModel } from './schema/tables/model';

/** y = alpha · x · kernel (a custom op no package knows). */
const scaledMatMul: OpDef = {
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
  infer: (ctx) => [{ shape: [1, ctx.attrs['units'] as number], dtype: 'float32' }],
};

function registry() {
  const r = createOpRegistry();
  r.register(scaledMatMul);
  return r;
}

function graph() {
  const g = new GraphBuilder('custom', { registry: registry(), seed: 2 });
  const x = g.input('x', [1, 3]);
  return g.build(g.layer('ScaledMatMul', 'smm', x, { units: 2, alpha: 0.5 }));
}

describe('registerTfliteOp', () => {
  it('names the registration when an op has no mapping', () => {
    expect(() => writeTflite(graph(), { registry: registry() })).toThrow(
      /registerTfliteOp\("ScaledMatMul"/,
    );
  });

  it('refuses to replace a built-in mapping silently', () => {
    expect(() => registerTfliteOp('Dense', { export: () => {} })).toThrow(InvalidArgumentError);
    expect(() =>
      registerTfliteOp('Mine', { import: { builtin: { [Op.FULLY_CONNECTED]: () => {} } } }),
    ).toThrow(/builtin operator 9 is already registered/);
  });

  it('exports and imports a custom op through its registered mapping', () => {
    registerTfliteOp('ScaledMatMul', {
      // FULLY_CONNECTED with alpha folded into the kernel.
      export: (node, ctx) => {
        const alpha = node.attrs['alpha'] as number;
        const w = node.weight('kernel').tensor;
        const input = ctx.tensorOf(node.inputs[0]!);
        const kernel = ctx.kernelInput(node, 'kernel', 'dense', true, {
          tensor: { ...w, data: (w.data as Float32Array).map((v) => v * alpha) },
        });
        const units = node.attrs['units'] as number;
        const bias = ctx.biasInput(node, units, input, kernel);
        tfliteExportHelpers.emitWithActivation(ctx, node, (out, fused) =>
          ctx.addOp(
            Op.FULLY_CONNECTED,
            [input, kernel.index, bias],
            [out],
            BuiltinOptionsType.FullyConnectedOptions,
            { fusedActivationFunction: fused, keepNumDims: false },
          ),
        );
      },
      import: {
        custom: {
          ScaledMatMul: (op, ctx) => {
            const x = ctx.value(tfliteImportHelpers.inputAt(op, 0, ctx));
            const kernel = ctx.weight(tfliteImportHelpers.inputAt(op, 1, ctx), 'dense');
            const out = tfliteImportHelpers.outputAt(op, ctx);
            ctx.layer(
              'ScaledMatMul',
              [x],
              { units: kernel.tensor.shape[1]!, alpha: 1 },
              { kernel },
              out,
            );
          },
        },
      },
    });
    const g = graph();
    const bytes = writeTflite(g, { registry: registry() });
    const model = parseModel(bytes);
    const code = model.operatorCodes[model.subgraphs[0]!.operators[0]!.opcodeIndex]!;
    expect(code.builtinCode).toBe(Op.FULLY_CONNECTED);

    // The same operator as CUSTOM("ScaledMatMul") reads back into the custom op.
    code.builtinCode = Op.CUSTOM;
    code.customCode = 'ScaledMatMul';
    const back = readTflite(serializeModel(model), { registry: registry() });
    const node = back.nodes.find((n) => n.op === 'ScaledMatMul')!;
    const want = Array.from(
      g.node('smm').weight('kernel').tensor.data as Float32Array,
      (v) => v * 0.5,
    );
    expect(Array.from(node.weight('kernel').tensor.data as Float32Array)).toEqual(
      Array.from(Float32Array.from(want)),
    );

    // An unregistered custom code stays a typed error.
    code.customCode = 'Other';
    let err: unknown;
    try {
      readTflite(serializeModel(model), { registry: registry() });
    } catch (e) {
      err = e;
    }
    expect(isCollaboptError(err)).toBe(true);
    expect(String(err)).toMatch(/CUSTOM\(Other\)/);
  });
});
