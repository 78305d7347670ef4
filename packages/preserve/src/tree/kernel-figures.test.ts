import { GraphBuilder, tensor } from '@collabopt/core';
import { kernelFigures } from './kernel-figures';

describe('kernelFigures', () => {
  it('counts zeros and int8 codes per kernel and per channel from the quant annotation', () => {
    const b = new GraphBuilder('k');
    const x = b.input('x', [-1, 2]);
    // Dense kernel [2 in, 2 out]; channel = column. Per-channel scales 0.5 and 0.25.
    const kernel = tensor('float32', [2, 2], [1, 0.25, -1, 0]);
    const g = b.build(b.layer('Dense', 'd', x, { units: 2, useBias: false }, { kernel }));
    g.node('d').weight('kernel').annotations.quant = {
      dtype: 'int8',
      scale: new Float32Array([0.5, 0.25]),
      zeroPoint: new Int32Array([0, 0]),
      channelAxes: [1],
      bits: 8,
      narrowRange: true,
    };
    // codes: channel 0 → [2, -2]; channel 1 → [1, 0]
    expect(kernelFigures(g)).toEqual({
      sparsity: 0.25,
      maxUniquePerKernel: 4,
      maxUniquePerChannel: 2,
    });
  });

  it('counts distinct float values when the kernel is not quantized', () => {
    const b = new GraphBuilder('k');
    const x = b.input('x', [-1, 2]);
    const g = b.build(
      b.layer(
        'Dense',
        'd',
        x,
        { units: 2, useBias: false },
        { kernel: tensor('float32', [2, 2], [0.1, 0.1, 0.2, 0.1]) },
      ),
    );
    expect(kernelFigures(g)).toEqual({
      sparsity: 0,
      maxUniquePerKernel: 2,
      maxUniquePerChannel: 2,
    });
  });
});
