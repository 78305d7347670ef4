import { InvalidArgumentError, UnsupportedError } from '@collabopt/core';
import { onnxExportHelpers, onnxImportHelpers } from './mapping-helpers';
import { registerOnnxOp } from './op-mappings';
import { decodeModel, encodeModel } from './proto/codec';
import { readOnnx } from './reader/read-onnx';
import { writeOnnx } from './writer/write-onnx';
import { scaledMatMulGraph, scaledMatMulRegistry } from '../../core/test/scaled-mat-mul-op';

describe('registerOnnxOp', () => {
  it('names the registration when an op has no mapping', () => {
    expect(() => writeOnnx(scaledMatMulGraph(-1), { registry: scaledMatMulRegistry() })).toThrow(
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
    const g = scaledMatMulGraph(-1);
    const model = decodeModel(writeOnnx(g, { registry: scaledMatMulRegistry() }).bytes);
    const gemm = model.graph!.node!.find((n) => n.name === 'smm')!;
    expect(gemm.opType).toBe('Gemm');
    expect(gemm.attribute!.find((a) => a.name === 'alpha')!.f).toBeCloseTo(0.5, 7);

    // The same node in a custom domain reads back into the custom op.
    gemm.opType = 'ScaledMatMul';
    gemm.domain = 'com.example';
    model.opsetImport = [...(model.opsetImport ?? []), { domain: 'com.example', version: 1 }];
    const back = await readOnnx(encodeModel(model), { registry: scaledMatMulRegistry() });
    const node = back.node('smm');
    expect(node.op).toBe('ScaledMatMul');
    expect(node.attrs['alpha']).toBeCloseTo(0.5, 7);
    expect(Array.from(node.weight('kernel').tensor.data as Float32Array)).toEqual(
      Array.from(g.node('smm').weight('kernel').tensor.data as Float32Array),
    );

    // Another custom domain stays a typed error that says how to add it.
    gemm.domain = 'com.other';
    await expect(
      readOnnx(encodeModel(model), { registry: scaledMatMulRegistry() }),
    ).rejects.toThrow(UnsupportedError);
    await expect(
      readOnnx(encodeModel(model), { registry: scaledMatMulRegistry() }),
    ).rejects.toThrow(/registerOnnxOp/);
  });
});
