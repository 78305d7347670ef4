import { GraphBuilder } from './graph-builder';
import { verifyGraph } from './verifier';

describe('GraphBuilder', () => {
  it('builds the reference CNN with inferred shapes and Keras-initialised weights', () => {
    const b = new GraphBuilder('cnn', { seed: 1 });
    const x = b.input('input', [-1, 28, 28, 1]);
    let h = b.layer('Conv2D', 'conv1', x, { filters: 16, kernelSize: [3, 3], activation: 'relu' });
    h = b.layer('MaxPool2D', 'pool1', h);
    h = b.layer('Conv2D', 'conv2', h, { filters: 32, kernelSize: [3, 3], activation: 'relu' });
    h = b.layer('MaxPool2D', 'pool2', h);
    h = b.layer('Flatten', 'flatten', h);
    h = b.layer('Dense', 'dense1', h, { units: 64, activation: 'relu' });
    const y = b.layer('Dense', 'logits', h, { units: 10 });
    const g = b.build(y);
    expect(g.node('conv1').output.shape).toEqual([-1, 26, 26, 16]);
    expect(g.node('pool2').output.shape).toEqual([-1, 5, 5, 32]);
    expect(g.node('flatten').output.shape).toEqual([-1, 800]);
    expect(g.node('logits').output.shape).toEqual([-1, 10]);
    expect(g.node('dense1').weight('kernel').tensor.shape).toEqual([800, 64]);
    const k = g.node('conv1').weight('kernel').tensor.data as Float32Array;
    const limit = Math.sqrt(6 / (9 * 1 + 9 * 16));
    expect(Math.max(...k.map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(Math.max(...k.map(Math.abs))).toBeGreaterThan(limit * 0.8);
    expect([...(g.node('conv1').weight('bias').tensor.data as Float32Array)]).toEqual(
      new Array(16).fill(0),
    );
    expect(() => verifyGraph(g.clone())).not.toThrow();
  });
});
