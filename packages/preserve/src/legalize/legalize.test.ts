import { GraphBuilder, verifyGraph, type FormatDefinition } from '@collabopt/core';
import { legalize } from './legalize';

/** Formats that declare requirements like TFLite's and ONNX's (the format packages own the real ones). */
const tfliteLike: FormatDefinition = {
  name: 'tflite',
  description: 'declares what TFLite declares',
  extensions: ['.tflite'],
  requirements: ({ quantized }) => ({
    foldBatchNorm: true,
    splitSeparableConv: quantized,
    ...(quantized ? { fusableActivations: ['linear', 'relu', 'relu6'] } : {}),
  }),
};
const needsNothing: FormatDefinition = {
  name: 'onnx',
  description: 'no requirements',
  extensions: [],
};

function model(activation: string) {
  const b = new GraphBuilder('m', { seed: 1 });
  const x = b.input('input', [-1, 6, 6, 2]);
  let h = b.layer('SeparableConv2D', 'sep', x, {
    filters: 4,
    kernelSize: [3, 3],
    activation: 'relu6',
  });
  h = b.layer('Conv2D', 'conv', h, { filters: 3, kernelSize: [1, 1], useBias: false });
  h = b.layer('BatchNorm', 'bn', h, {});
  h = b.layer('Flatten', 'flatten', h);
  return b.build(b.layer('Dense', 'probs', h, { units: 2, activation }));
}

describe('legalize', () => {
  it('asks the format: int8 TFLite splits SeparableConv2D and a fused softmax, checks BatchNorm for the quantizer', () => {
    const g = model('softmax');
    const r = legalize(g, { format: tfliteLike, quantized: true, pipelineFoldsBatchNorm: true });
    expect(r.problems).toEqual([]);
    expect(r.steps.map((s) => [s.rewrite, s.node])).toEqual([
      ['splitSeparableConv', 'sep'],
      ['splitActivation', 'probs'],
      ['foldBatchNorm', 'bn'],
    ]);
    expect(g.nodes.map((n) => `${n.name}:${n.op}`)).toEqual(
      expect.arrayContaining([
        'sep_depthwise:DepthwiseConv2D',
        'sep:Conv2D',
        'probs_softmax:Activation',
      ]),
    );
    expect(g.node('sep').attrs['activation']).toBe('relu6');
    expect(g.node('probs').attrs['activation']).toBe('linear');
    expect(g.outputs[0]!.producer.name).toBe('probs_softmax');
    expect(g.findNode('bn')).toBeDefined(); // folded later by ptq/qat
    verifyGraph(g);
  });

  it('float TFLite folds BatchNorm now and keeps fused activations; a format without requirements needs nothing', () => {
    const g = model('softmax');
    const r = legalize(g, { format: tfliteLike, quantized: false });
    expect(r.steps.map((s) => s.rewrite)).toEqual(['foldBatchNorm']);
    expect(g.findNode('bn')).toBeUndefined();
    expect(g.node('sep').op).toBe('SeparableConv2D');
    const o = model('sigmoid');
    expect(legalize(o, { format: needsNothing, quantized: false }).steps).toEqual([]);
  });

  it('reports a BatchNorm that cannot be folded with node, reason and fix', () => {
    const b = new GraphBuilder('m', { seed: 2 });
    const x = b.input('input', [-1, 4, 4, 1]);
    const c = b.layer('Conv2D', 'conv', x, { filters: 2, kernelSize: [1, 1], activation: 'relu' });
    const g = b.build(b.layer('BatchNorm', 'bn', c, {}));
    const r = legalize(g, { format: tfliteLike, quantized: true, pipelineFoldsBatchNorm: true });
    expect(r.problems).toEqual([
      {
        node: 'bn',
        reason: expect.stringContaining('relu') as string,
        fix: expect.stringContaining('another format') as string,
      },
    ]);
  });
});
