import { defaultOpRegistry } from '@collabopt/core';
import { selectPrunableWeights } from './policy';
import { smallCnn } from '../test/small-cnn';

const names = (policy: Parameters<typeof selectPrunableWeights>[2]): string[] =>
  selectPrunableWeights(smallCnn(), defaultOpRegistry, policy).map(
    (w) => `${w.node.name}/${w.slot}`,
  );

describe('selectPrunableWeights', () => {
  it('defaults to the registry prunable weights: kernels of conv/depthwise/dense, no biases', () => {
    expect(names({})).toEqual(['conv1/kernel', 'dw/kernel', 'dense1/kernel', 'logits/kernel']);
  });
  it('selects by op type, name and regex; excludes', () => {
    expect(names({ ops: ['Dense'] })).toEqual(['dense1/kernel', 'logits/kernel']);
    expect(names({ layers: ['conv1'] })).toEqual(['conv1/kernel']);
    expect(names({ layers: ['/^dense/'] })).toEqual(['dense1/kernel']);
    expect(names({ layers: ['conv1'], ops: ['Dense'] })).toEqual([
      'conv1/kernel',
      'dense1/kernel',
      'logits/kernel',
    ]);
    expect(names({ exclude: ['logits'] })).toEqual(['conv1/kernel', 'dw/kernel', 'dense1/kernel']);
    expect(names({ excludeOps: ['Conv2D', 'DepthwiseConv2D'] })).toEqual([
      'dense1/kernel',
      'logits/kernel',
    ]);
    expect(names({ exclude: ['/^(conv|LOG|dw)/i'] })).toEqual(['dense1/kernel']);
    expect(names({ allow: (node) => node.name !== 'dense1' })).toEqual([
      'conv1/kernel',
      'dw/kernel',
      'logits/kernel',
    ]);
  });
  it('fails loudly on typos and non-prunable layers', () => {
    expect(() => names({ layers: ['dense9'] })).toThrow(/layer dense9 matches no layer/);
    expect(() => names({ exclude: ['/^zzz/'] })).toThrow(/pattern \/\^zzz\/ matches no layer/);
    expect(() => names({ ops: ['Dens'] })).toThrow(/unknown op type "Dens"/);
    expect(() => names({ layers: ['pool'] })).toThrow(/pool \(MaxPool2D\) has no prunable weight/);
    expect(() => names({ layers: ['/(/'] })).toThrow(/invalid regular expression/);
  });
});
