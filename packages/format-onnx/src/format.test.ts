import { GraphBuilder, isCollaboptError, type Graph } from '@collabopt/core';
import { onnxFormat } from './format';
import { decodeModel } from './proto/codec';
import { writeOnnx } from './writer/write-onnx';

describe('onnx format requirements (what legalization rewrites before any pass)', () => {
  function withBatchNorm(): Graph {
    const b = new GraphBuilder('bn', { seed: 6 });
    const h = b.layer('Dense', 'hidden', b.input('input', [-1, 6]), { units: 4 });
    return b.build(b.layer('BatchNorm', 'bn', h, {}));
  }

  it('float keeps BatchNorm (BatchNormalization); an integer model needs it folded (QDQ has none)', () => {
    expect(onnxFormat.requirements!({ quantized: false })).toEqual({ foldBatchNorm: false });
    expect(onnxFormat.requirements!({ quantized: true })).toEqual({ foldBatchNorm: true });
    const float = decodeModel(writeOnnx(withBatchNorm(), { mode: 'float' }).bytes);
    expect(float.graph!.node!.map((n) => n.opType)).toContain('BatchNormalization');
    let code: string | undefined;
    try {
      writeOnnx(withBatchNorm(), { mode: 'qdq' });
    } catch (e) {
      code = isCollaboptError(e) ? e.code : String(e);
    }
    expect(code).toBe('ONNX_UNFOLDED_BATCHNORM');
  });
});
