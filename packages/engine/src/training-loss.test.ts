import {
  GraphBuilder,
  InvalidArgumentError,
  UnsupportedError,
  defaultOpRegistry,
} from '@collabopt/core';
import { chooseLabelLoss, outputHeads, resolveTrainingLoss } from './training-loss';

describe('outputHeads', () => {
  test('softmax (op or fused), sigmoid, linear', () => {
    const b = new GraphBuilder('heads', { seed: 1 });
    const x = b.input('x', [-1, 4]);
    const a = b.layer('Dense', 'a', x, { units: 3, activation: 'softmax' });
    const s = b.layer('Dense', 's', x, { units: 2, activation: 'sigmoid' });
    const l = b.layer('Dense', 'l', x, { units: 2 });
    const p = b.layer('Softmax', 'p', l);
    const g = b.build([a, s, l, p]);
    expect(outputHeads(g, defaultOpRegistry)).toEqual(['softmax', 'sigmoid', 'linear', 'softmax']);
  });
});

describe('chooseLabelLoss', () => {
  test('class ids → softmax CE; dense targets follow the head', () => {
    expect(chooseLabelLoss('linear', { kind: 'class' })).toBe('softmaxCrossEntropy');
    expect(chooseLabelLoss('softmax', { kind: 'dense', shape: [3] })).toBe('softmaxCrossEntropy');
    expect(chooseLabelLoss('sigmoid', { kind: 'dense', shape: [3] })).toBe('sigmoidCrossEntropy');
    expect(chooseLabelLoss('linear', { kind: 'dense', shape: [3] })).toBe('mse');
  });
});

describe('resolveTrainingLoss', () => {
  const cls = { kind: 'class' } as const;
  test('distillation is the default without labels, the label loss with labels', () => {
    expect(resolveTrainingLoss({}, undefined, ['linear', 'softmax'], true)).toEqual({
      labelWeight: 0,
      distillWeight: 1,
      temperature: 1,
    });
    expect(resolveTrainingLoss({}, cls, ['softmax'], false)).toEqual({
      labelLoss: 'softmaxCrossEntropy',
      labelWeight: 1,
      distillWeight: 0,
      temperature: 1,
    });
  });

  test('mixes label loss and distillation and takes the override and temperature', () => {
    expect(
      resolveTrainingLoss(
        { distill: 0.25, loss: 'mse', temperature: 3 },
        { kind: 'dense', shape: [2] },
        ['sigmoid'],
        true,
      ),
    ).toEqual({ labelLoss: 'mse', labelWeight: 0.75, distillWeight: 0.25, temperature: 3 });
  });

  test('typed errors for mixtures that cannot be computed', () => {
    expect(() => resolveTrainingLoss({}, undefined, ['linear'], false)).toThrow(/no labels/);
    expect(() => resolveTrainingLoss({ distill: 0.5 }, cls, ['softmax'], false)).toThrow(
      InvalidArgumentError,
    );
    expect(() => resolveTrainingLoss({ distill: 0 }, undefined, ['linear'], true)).toThrow(
      /use distill=1/,
    );
    expect(() => resolveTrainingLoss({}, cls, ['linear', 'linear'], true)).toThrow(
      UnsupportedError,
    );
    expect(() => resolveTrainingLoss({ loss: 'mse' }, cls, ['linear'], false)).toThrow(/class ids/);
    expect(() => resolveTrainingLoss({ distill: 2 }, cls, ['linear'], true)).toThrow(/0\.\.1/);
    expect(() => resolveTrainingLoss({ temperature: 0 }, cls, ['linear'], true)).toThrow(
      /temperature/,
    );
  });
});
