/**
 * A custom op for the registration tests: ScaledDense, y = alpha · (x · kernel) + bias, with a
 * prunable, clusterable, quantizable kernel. It is one OpRegistry entry plus one ONNX and one
 * TFLite mapping — no change to any package.
 */
import {
  GraphBuilder,
  defaultOpRegistry,
  type Graph,
  type OpDef,
  type QuantAnnotation,
} from '@collabopt/core';
import { onnxExportHelpers, onnxImportHelpers, registerOnnxOp } from '@collabopt/format-onnx';
import {
  BuiltinOperator,
  BuiltinOptionsType,
  registerTfliteOp,
  tfliteExportHelpers,
} from '@collabopt/format-tflite';

export const scaledDenseOp: OpDef = {
  name: 'ScaledDense',
  description: 'alpha · (x · kernel) + bias on the last axis, kernel [in, units]',
  attrs: {
    units: { kind: 'int' },
    alpha: { kind: 'float', default: 1 },
    activation: { kind: 'enum', values: ['linear', 'relu', 'relu6'], default: 'linear' },
    useBias: { kind: 'bool', default: true },
  },
  minInputs: 1,
  maxInputs: 1,
  weights: [
    {
      name: 'kernel',
      role: 'kernel',
      capabilities: {
        prunable: true,
        clusterable: true,
        quantizable: true,
        channelAxes: [1],
        perChannelQuantization: true,
      },
      shape: (ctx) => [ctx.inputShapes[0]!.at(-1)!, ctx.attrs['units'] as number],
    },
    {
      name: 'bias',
      role: 'bias',
      capabilities: { prunable: false, clusterable: false, quantizable: true, channelAxes: [0] },
      present: (attrs) => attrs['useBias'] === true,
      shape: (ctx) => [ctx.attrs['units'] as number],
    },
  ],
  fusableActivations: ['relu', 'relu6'],
  infer: (ctx) => [
    {
      shape: [...ctx.inputShapes[0]!.slice(0, -1), ctx.attrs['units'] as number],
      dtype: 'float32',
    },
  ],
};

/** Register the op and its ONNX and TFLite mappings (idempotent). */
export function registerScaledDense(): void {
  defaultOpRegistry.register(scaledDenseOp, { replace: true });
  registerOnnxOp(
    'ScaledDense',
    {
      // ONNX's Gemm has the factor: Y = alpha · A · B + C.
      export: (e, node, attrs) => {
        const x = node.inputs[0]!;
        const w = onnxExportHelpers.weightInput(e, node, 'kernel', 1);
        const inputs = [e.name(x), w];
        if (attrs['useBias'] === true) inputs.push(onnxExportHelpers.biasInput(e, node, x));
        onnxExportHelpers.withFusedActivation(e, node, attrs, (out) =>
          e.b.node('Gemm', node.name, inputs, [out], {
            alpha: { float: attrs['alpha'] as number },
          }),
        );
      },
      import: {
        'com.example:ScaledDense': (ctx, r) => {
          const x = onnxImportHelpers.valueIn(ctx, r, 0);
          const w = onnxImportHelpers.constIn(ctx, r, 1, 'kernel');
          const b = onnxImportHelpers.optConstIn(ctx, r, 2, 'bias');
          const units = w.shape[1]!;
          onnxImportHelpers.emit(
            ctx,
            r,
            'ScaledDense',
            [x.v],
            { units, alpha: r.float('alpha', 1), useBias: b !== undefined },
            {
              kernel: onnxImportHelpers.constToFloat32(w),
              ...(b ? { bias: onnxImportHelpers.constToFloat32(b) } : {}),
            },
            'plain',
          );
        },
      },
    },
    { replace: true },
  );
  registerTfliteOp(
    'ScaledDense',
    {
      // FULLY_CONNECTED with alpha folded into the kernel: on the int8 grid the codes stay, the
      // scales are multiplied by alpha.
      export: (node, ctx) => {
        const attrs = node.attrs;
        const alpha = attrs['alpha'] as number;
        if (!(alpha > 0)) throw new Error(`ScaledDense ${node.name}: alpha must be positive`);
        const w = node.weight('kernel');
        const q = w.annotations.quant;
        const quant: QuantAnnotation | undefined = q && {
          ...q,
          scale: q.scale.map((s) => s * alpha),
        };
        const tensor = {
          ...w.tensor,
          data: (w.tensor.data as Float32Array).map((v) => v * alpha),
        };
        const input = ctx.tensorOf(node.inputs[0]!);
        const kernel = ctx.kernelInput(node, 'kernel', 'dense', true, {
          tensor,
          ...(quant ? { quant } : {}),
        });
        const units = attrs['units'] as number;
        const bias = ctx.biasInput(
          node,
          units,
          input,
          kernel,
          attrs['useBias'] === true ? (node.weight('bias').tensor.data as Float32Array) : undefined,
        );
        tfliteExportHelpers.emitWithActivation(ctx, node, (out, fused) =>
          ctx.addOp(
            BuiltinOperator.FULLY_CONNECTED,
            [input, kernel.index, bias],
            [out],
            BuiltinOptionsType.FullyConnectedOptions,
            { fusedActivationFunction: fused, keepNumDims: false },
            { kind: kernel.kind, perChannel: kernel.perChannel },
          ),
        );
      },
    },
    { replace: true },
  );
}

/** Input [N, 16] → ScaledDense(12, alpha 0.75, relu) → Dense(5). */
export function scaledDenseGraph(seed = 3): Graph {
  const g = new GraphBuilder('scaled_dense', { seed });
  const x = g.input('features', [-1, 16]);
  const h = g.layer('ScaledDense', 'scaled', x, { units: 12, alpha: 0.75, activation: 'relu' });
  const y = g.layer('Dense', 'head', h, { units: 5 });
  return g.build(y);
}
