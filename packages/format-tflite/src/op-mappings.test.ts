import { InvalidArgumentError, isCollaboptError } from '@collabopt/core';
import { writeTflite } from './export/writer';
import { readTflite } from './import/reader';
import { tfliteExportHelpers, tfliteImportHelpers } from './mapping-helpers';
import { registerTfliteOp } from './op-mappings';
import { BuiltinOptionsType } from './schema/builtin-options';
import { BuiltinOperator as Op } from './schema/enums';
import { parseModel, serializeModel } from './schema/tables/model';
import { scaledMatMulGraph, scaledMatMulRegistry } from '../../core/test/scaled-mat-mul-op';

describe('registerTfliteOp', () => {
  it('names the registration when an op has no mapping', () => {
    expect(() => writeTflite(scaledMatMulGraph(1), { registry: scaledMatMulRegistry() })).toThrow(
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
    const g = scaledMatMulGraph(1);
    const bytes = writeTflite(g, { registry: scaledMatMulRegistry() });
    const model = parseModel(bytes);
    const code = model.operatorCodes[model.subgraphs[0]!.operators[0]!.opcodeIndex]!;
    expect(code.builtinCode).toBe(Op.FULLY_CONNECTED);

    // The same operator as CUSTOM("ScaledMatMul") reads back into the custom op.
    code.builtinCode = Op.CUSTOM;
    code.customCode = 'ScaledMatMul';
    const back = readTflite(serializeModel(model), { registry: scaledMatMulRegistry() });
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
      readTflite(serializeModel(model), { registry: scaledMatMulRegistry() });
    } catch (e) {
      err = e;
    }
    expect(isCollaboptError(err)).toBe(true);
    expect(String(err)).toMatch(/CUSTOM\(Other\)/);
  });
});
