import {
  GraphBuilder,
  InvalidArgumentError,
  UnsupportedError,
  createOpRegistry,
  type OpDef,
} from '@collabopt/core';
import { onnxExportHelpers, onnxImportHelpers } from './mapping-helpers';
import { registerOnnxOp } from './op-mappings';
import { decodeModel, encodeModel } from './proto/codec';
import { readOnnx } from './reader/read-onnx';
import { writeOnnx } from './writer/write-onnx';

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
  infer: (ctx) => [{ shape: [-1, ctx.attrs['units'] as number], dtype: 'float32' }],
};

function registry() {
  const r = createOpRegistry();
  r.register(scaledMatMul);
  return r;
}

function graph() {
  const g = new GraphBuilder('custom', { registry: registry(), seed: 2 });
  const x = g.input('x', [-1, 3]);
  return g.build(g.layer('ScaledMatMul', 'smm', x, { units: 2, alpha: 0.5 }));
}

describe('registerOnnxOp', () => {
  it('names the registration when an op has no mapping', () => {
    expect(() => writeOnnx(graph(), { registry: registry() })).toThrow(
      /registerOnnxOp\("ScaledMatMul"/,
    );
  });

  it('refuses to replace a built-in mapping silently', () => {
    expect(() => registerOnnxOp('Dense', { export: () => {} })).toThrow(InvalidArgumentError);
    expect(() => registerOnnxOp('Mine', { import: { Gemm: () => {} } })).toThrow(
      /importer for "Gemm" is already registered/,
    );
  });

  it('exports and imports a custom op through its registered mapping', async () => {
    registerOnnxOp('ScaledMatMul', {
      export: (e, node, attrs) => {
        const w = onnxExportHelpers.weightInput(e, node, 'kernel', 1);
        e.b.node('Gemm', node.name, [e.name(node.inputs[0]!), w], [e.out(node.output)], {
          alpha: { float: attrs['alpha'] as number },
        });
      },
      import: {
        'com.example:ScaledMatMul': (ctx, r) => {
          const x = onnxImportHelpers.valueIn(ctx, r, 0);
          const w = onnxImportHelpers.constIn(ctx, r, 1, 'kernel');
          onnxImportHelpers.emit(
            ctx,
            r,
            'ScaledMatMul',
            [x.v],
            { units: w.shape[1]!, alpha: r.float('alpha', 1) },
            { kernel: onnxImportHelpers.constToFloat32(w) },
            'plain',
          );
        },
      },
    });
    const g = graph();
    const model = decodeModel(writeOnnx(g, { registry: registry() }).bytes);
    const gemm = model.graph!.node!.find((n) => n.name === 'smm')!;
    expect(gemm.opType).toBe('Gemm');
    expect(gemm.attribute!.find((a) => a.name === 'alpha')!.f).toBeCloseTo(0.5, 7);

    // The same node in a custom domain reads back into the custom op.
    gemm.opType = 'ScaledMatMul';
    gemm.domain = 'com.example';
    model.opsetImport = [...(model.opsetImport ?? []), { domain: 'com.example', version: 1 }];
    const back = await readOnnx(encodeModel(model), { registry: registry() });
    const node = back.node('smm');
    expect(node.op).toBe('ScaledMatMul');
    expect(node.attrs['alpha']).toBeCloseTo(0.5, 7);
    expect(Array.from(node.weight('kernel').tensor.data as Float32Array)).toEqual(
      Array.from(g.node('smm').weight('kernel').tensor.data as Float32Array),
    );

    // Another custom domain stays a typed error that says how to add it.
    gemm.domain = 'com.other';
    await expect(readOnnx(encodeModel(model), { registry: registry() })).rejects.toThrow(
      UnsupportedError,
    );
    await expect(readOnnx(encodeModel(model), { registry: registry() })).rejects.toThrow(
      /registerOnnxOp/,
    );
  });
});
