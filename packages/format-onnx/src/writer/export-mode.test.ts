import { GraphBuilder, UnsupportedError } from '@collabopt/core';
import { writesQdq } from './export-mode';
import { writeOnnx } from './write-onnx';

describe('ONNX export of quantized graphs', () => {
  it('writes QDQ for int8 graphs and float only when asked', () => {
    expect(writesQdq('int8', 'auto')).toBe(true);
    expect(writesQdq('int8-io', 'auto')).toBe(true);
    expect(writesQdq(undefined, 'auto')).toBe(false);
    expect(writesQdq(undefined, 'qdq')).toBe(true);
    expect(writesQdq('int16x8', 'float')).toBe(false);
  });

  it.each(['int16x8', 'dynamic', 'float16'])(
    'refuses a %s graph with a typed error instead of writing float silently',
    (mode) => {
      const g = new GraphBuilder('q', { seed: 1 });
      const graph = g.build(g.layer('Dense', 'd', g.input('x', [-1, 4]), { units: 2 }));
      graph.metadata['quantization'] = { mode };
      for (const requested of ['auto', 'qdq'] as const) {
        let err: unknown;
        try {
          writeOnnx(graph, { mode: requested });
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(UnsupportedError);
        expect((err as UnsupportedError).code).toBe('ONNX_UNSUPPORTED_QUANTIZATION');
        expect((err as Error).message).toContain(`quantized as "${mode}"`);
      }
      expect(writeOnnx(graph, { mode: 'float' }).bytes.length).toBeGreaterThan(0);
    },
  );
});
