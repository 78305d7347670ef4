import { PassRegistry, definePass } from '@collabopt/core';
import { trainingBatchOf } from './training-batch';

const registry = new PassRegistry();
registry.register(
  definePass({
    name: 'tune',
    description: 'a training pass',
    options: { batchSize: { kind: 'integer', description: 'batch', default: 128, min: 1 } },
    preserves: [],
    usesTeacher: true,
    run: () => ({ changed: false }),
  }),
);
registry.register(
  definePass({
    name: 'calibrate',
    description: 'a one-shot pass with a batch size',
    options: { batchSize: { kind: 'integer', description: 'batch', default: 500, min: 1 } },
    preserves: [],
    run: () => ({ changed: false }),
  }),
);

describe('trainingBatchOf', () => {
  test('the largest batch of the training steps, given or default', () => {
    expect(trainingBatchOf(['tune(batchSize=16)'], registry)).toBe(16);
    expect(trainingBatchOf(['tune(batchSize=16) | tune'], registry)).toBe(128);
    expect(trainingBatchOf(['tune(batchSize=16)', 'tune(batchSize=32)'], registry)).toBe(32);
  });

  test('one-shot passes and unknown passes set no batch', () => {
    expect(trainingBatchOf(['calibrate'], registry)).toBeUndefined();
    expect(trainingBatchOf(['nosuchpass(batchSize=4)'], registry)).toBeUndefined();
    expect(trainingBatchOf([], registry)).toBeUndefined();
  });
});
