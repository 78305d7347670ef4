import { GraphBuilder } from './graph-builder';
import { createOpRegistry, defaultOpRegistry } from './registry-default';

const r = defaultOpRegistry;
const node = (op: string, attrs: Record<string, unknown> = {}) => ({
  name: 'n',
  op,
  attrs: attrs as never,
});

describe('op capabilities in the registry', () => {
  it('names the kernel the integer schemes quantize, and how (per channel or per tensor)', () => {
    for (const [op, attrs, perChannel, axes] of [
      ['Conv2D', { filters: 2, kernelSize: [3, 3] }, true, [3]],
      ['DepthwiseConv2D', { kernelSize: [3, 3] }, true, [2, 3]],
      ['Conv2DTranspose', { filters: 2, kernelSize: [3, 3] }, true, [2]],
      ['Dense', { units: 2 }, false, [1]],
    ] as const) {
      const slot = r.quantizedKernel(node(op, attrs));
      expect([
        op,
        slot?.name,
        slot?.capabilities.perChannelQuantization,
        slot?.capabilities.channelAxes,
      ]).toEqual([op, 'kernel', perChannel, axes]);
    }
    // two kernels: must be split before integer quantization
    expect(
      r.quantizedKernel(node('SeparableConv2D', { filters: 2, kernelSize: [3, 3] })),
    ).toBeUndefined();
    expect(r.quantizedKernel(node('BatchNorm'))).toBeUndefined();
    expect(r.isKernel('SeparableConv2D', 'pointwiseKernel')).toBe(true);
    expect(r.isKernel('Dense', 'bias')).toBe(false);
    expect(r.isKernel('NoSuchOp', 'kernel')).toBe(false);
  });

  it('makes depthwise kernels prunable and clusterable per channel; Dense clusters per tensor', () => {
    const dw = r.slot(node('DepthwiseConv2D', { kernelSize: [3, 3] }), 'kernel')!.capabilities;
    expect(dw).toMatchObject({ prunable: true, clusterable: true, perChannelClustering: true });
    const sep = r.slot(node('SeparableConv2D'), 'depthwiseKernel')!.capabilities;
    expect(sep).toMatchObject({ prunable: false, clusterable: false, quantizable: true });
    expect(r.slot(node('Dense'), 'kernel')!.capabilities.perChannelClustering).toBe(false);
  });

  it('declares which outputs share quantization parameters and stay on the input grid', () => {
    const shared = r.names().filter((op) => r.sharedQuantParams(node(op)) === 'input');
    expect(shared.sort()).toEqual(
      [
        'AvgPool2D',
        'Dropout',
        'Flatten',
        'GlobalMaxPool',
        'MaxPool2D',
        'Pad',
        'Reshape',
        'Upsample2D',
      ].sort(),
    );
    expect(r.sharedQuantParams(node('Concat'))).toBe('inputs');
    expect(r.sharedQuantParams(node('Add'))).toBeUndefined();
    expect(r.keepsInputGrid(node('MaxPool2D'))).toBe(true);
    expect(r.keepsInputGrid(node('AvgPool2D'))).toBe(false);
    expect(r.keepsInputGrid(node('Upsample2D', { interpolation: 'nearest' }))).toBe(true);
    expect(r.keepsInputGrid(node('Upsample2D', { interpolation: 'bilinear' }))).toBe(false);
  });

  it('lists fusable activations per op', () => {
    expect(r.canFuseActivation('Conv2D', 'relu6')).toBe(true);
    expect(r.canFuseActivation('Dense', 'tanh')).toBe(true);
    expect(r.canFuseActivation('Dense', 'softmax')).toBe(false);
    expect(r.canFuseActivation('MaxPool2D', 'relu')).toBe(false);
  });

  it('takes a custom op with a quantizable kernel as one entry', () => {
    const reg = createOpRegistry();
    reg.register({
      name: 'Scale',
      description: 'test',
      attrs: {},
      minInputs: 1,
      maxInputs: 1,
      weights: [
        {
          name: 'w',
          role: 'kernel',
          capabilities: { prunable: true, clusterable: true, quantizable: true, channelAxes: [0] },
          shape: (ctx) => [ctx.inputShapes[0]![1]!],
        },
      ],
      infer: (ctx) => [{ shape: [...ctx.inputShapes[0]!], dtype: 'float32' }],
    });
    const b = new GraphBuilder('g', { registry: reg });
    b.build(b.layer('Scale', 's', b.input('x', [-1, 3])));
    expect(reg.quantizedKernel(node('Scale'))?.name).toBe('w');
    expect(reg.isKernel('Scale', 'w')).toBe(true);
  });
});
