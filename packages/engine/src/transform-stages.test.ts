import { InvalidArgumentError } from '@collabopt/core';
import { TransformStageOrder } from './transform-stages';

describe('TransformStageOrder', () => {
  it('stacks the built-in stages mask → codebook → quantize', () => {
    expect(new TransformStageOrder().list()).toEqual(['mask', 'codebook', 'quantize']);
  });

  it('lets a plugin add a stage before or after an existing one', () => {
    const order = new TransformStageOrder();
    order.register('noise', { before: 'quantize' });
    order.register('prepare', { after: 'mask' });
    order.register('export');
    order.register('noise', { after: 'export' }); // already known: stays where it is
    expect(order.list()).toEqual(['mask', 'prepare', 'codebook', 'noise', 'quantize', 'export']);
    const sorted = order.sort([
      { name: 'q', stage: 'quantize' },
      { name: 'n', stage: 'noise' },
      { name: 'm1', stage: 'mask' },
      { name: 'm2', stage: 'mask' },
    ]);
    expect(sorted.map((t) => t.name)).toEqual(['m1', 'm2', 'n', 'q']);
  });

  it('rejects unknown stages with a typed error naming the known ones', () => {
    const order = new TransformStageOrder();
    expect(() => order.rank('dither')).toThrow(InvalidArgumentError);
    expect(() => order.sort([{ stage: 'dither' }, { stage: 'mask' }])).toThrow(
      /unknown weight-transform stage "dither" \(known: mask, codebook, quantize\)/,
    );
    expect(() => order.register('x', { before: 'mask', after: 'quantize' })).toThrow(
      /either before or after/,
    );
    expect(() => order.register('x', { before: 'nowhere' })).toThrow(/unknown/);
  });
});
