import {
  GraphBuilder,
  createRng,
  tensor,
  verifyGraph,
  type Graph,
  type Node,
} from '@collabopt/core';
import { foldBatchNorm, scaleCodebookPerChannel } from './fold-batch-norm';

/** A tiny reference evaluator (NHWC, stride 1, 'same' or 'valid') for the ops these tests use. */
function evaluate(graph: Graph, x: Float32Array, inShape: number[]): Float32Array {
  const vals = new Map<string, { data: Float32Array; shape: number[] }>();
  vals.set(graph.inputs[0]!.name, { data: x, shape: inShape });
  for (const node of graph.topologicalOrder()) {
    if (node.op === 'Input') continue;
    const inp = vals.get(node.inputs[0]!.name)!;
    vals.set(node.output.name, run(node, inp.data, inp.shape));
  }
  return vals.get(graph.outputs[0]!.name)!.data;
}

function run(
  node: Node,
  x: Float32Array,
  shape: number[],
): { data: Float32Array; shape: number[] } {
  const w = (slot: string): Float32Array => node.weights[slot]!.tensor.data as Float32Array;
  const bias = node.weights['bias'] ? w('bias') : undefined;
  if (node.op === 'Flatten') return { data: x, shape: [shape[0]!, x.length / shape[0]!] };
  if (node.op === 'Dense') {
    const [n, k] = [shape[0]!, shape[1]!];
    const units = node.attrs['units'] as number;
    const out = new Float32Array(n * units);
    for (let b = 0; b < n; b++)
      for (let u = 0; u < units; u++) {
        let s = bias ? bias[u]! : 0;
        for (let i = 0; i < k; i++) s += x[b * k + i]! * w('kernel')[i * units + u]!;
        out[b * units + u] = s;
      }
    return { data: out, shape: [n, units] };
  }
  if (node.op === 'BatchNorm') {
    const c = shape[shape.length - 1]!;
    const eps = (node.attrs['epsilon'] as number | undefined) ?? 1e-3;
    const out = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const ch = i % c;
      out[i] =
        (w('gamma')[ch]! * (x[i]! - w('movingMean')[ch]!)) /
          Math.sqrt(w('movingVariance')[ch]! + eps) +
        w('beta')[ch]!;
    }
    return { data: out, shape };
  }
  // Conv2D / DepthwiseConv2D, 'same' padding, stride 1
  const [n, h, wd, cin] = shape as [number, number, number, number];
  const [kh, kw] = node.attrs['kernelSize'] as number[] as [number, number];
  const depthwise = node.op === 'DepthwiseConv2D';
  const mult = depthwise ? ((node.attrs['depthMultiplier'] as number | undefined) ?? 1) : 0;
  const cout = depthwise ? cin * mult : (node.attrs['filters'] as number);
  const k = w('kernel');
  const out = new Float32Array(n * h * wd * cout);
  const ph = Math.floor((kh - 1) / 2);
  const pw = Math.floor((kw - 1) / 2);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < wd; j++)
        for (let o = 0; o < cout; o++) {
          let s = bias ? bias[o]! : 0;
          for (let di = 0; di < kh; di++)
            for (let dj = 0; dj < kw; dj++) {
              const ii = i + di - ph;
              const jj = j + dj - pw;
              if (ii < 0 || jj < 0 || ii >= h || jj >= wd) continue;
              const base = ((b * h + ii) * wd + jj) * cin;
              if (depthwise) {
                const c = Math.floor(o / mult);
                s += x[base + c]! * k[((di * kw + dj) * cin + c) * mult + (o % mult)]!;
              } else {
                for (let c = 0; c < cin; c++)
                  s += x[base + c]! * k[((di * kw + dj) * cin + c) * cout + o]!;
              }
            }
          out[((b * h + i) * wd + j) * cout + o] = s;
        }
  return { data: out, shape: [n, h, wd, cout] };
}

function bnWeights(c: number, seed: number): Record<string, ReturnType<typeof tensor>> {
  const rng = createRng(seed);
  const vec = (f: () => number) => tensor('float32', [c], Float32Array.from({ length: c }, f));
  return {
    gamma: vec(() => rng.uniform(0.5, 2)),
    beta: vec(() => rng.uniform(-1, 1)),
    movingMean: vec(() => rng.uniform(-0.5, 0.5)),
    movingVariance: vec(() => rng.uniform(0.1, 3)),
  };
}

function randomInput(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
}

function expectClose(a: Float32Array, b: Float32Array): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++)
    expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-4 * (1 + Math.abs(b[i]!)));
}

describe('foldBatchNorm', () => {
  it('folds Conv2D (no bias) + BatchNorm numerically exactly', () => {
    const g = new GraphBuilder('m', { seed: 1 });
    const x = g.input('x', [-1, 5, 5, 2]);
    const c = g.layer('Conv2D', 'conv', x, {
      filters: 3,
      kernelSize: [3, 3],
      padding: 'same',
      useBias: false,
    });
    const bn = g.layer('BatchNorm', 'bn', c, {}, bnWeights(3, 2));
    const out = g.layer('Dense', 'head', g.layer('Flatten', 'flat', bn), { units: 4 });
    const graph = g.build(out);
    bn.annotations.range = { min: -3, max: 3, source: 'test' };
    const input = randomInput(2 * 5 * 5 * 2, 3);
    const before = evaluateFlat(graph, input);
    const report = foldBatchNorm(graph);
    expect(report.folded).toEqual([{ batchNorm: 'bn', into: 'conv' }]);
    expect(graph.findNode('bn')).toBeUndefined();
    expect(graph.node('conv').attrs['useBias']).toBe(true);
    expect(graph.node('conv').output.annotations.range).toEqual({
      min: -3,
      max: 3,
      source: 'test',
    });
    verifyGraph(graph);
    expectClose(evaluateFlat(graph, input), before);
  });

  it('folds Dense + BatchNorm and DepthwiseConv2D (multiplier 2) + BatchNorm', () => {
    const g = new GraphBuilder('m', { seed: 4 });
    const x = g.input('x', [-1, 4, 4, 2]);
    const dw = g.layer('DepthwiseConv2D', 'dw', x, {
      kernelSize: [3, 3],
      padding: 'same',
      depthMultiplier: 2,
    });
    const bn1 = g.layer('BatchNorm', 'bn1', dw, {}, bnWeights(4, 5));
    const fl = g.layer('Flatten', 'flat', bn1);
    const d = g.layer('Dense', 'dense', fl, { units: 3 });
    const bn2 = g.layer('BatchNorm', 'bn2', d, {}, bnWeights(3, 6));
    const graph = g.build(bn2);
    graph.node('dw').weights['bias']!.tensor = tensor('float32', [4], [0.1, -0.2, 0.3, 0.05]);
    const input = randomInput(3 * 4 * 4 * 2, 7);
    const before = evaluateFlat(graph, input);
    const report = foldBatchNorm(graph);
    expect(report.folded.map((f) => f.into).sort()).toEqual(['dense', 'dw']);
    expect(graph.outputs[0]!.name).toBe('dense');
    verifyGraph(graph);
    expectClose(evaluateFlat(graph, input), before);
  });

  it('keeps a BatchNorm after a fused relu or a shared value, and says why', () => {
    const g = new GraphBuilder('m', { seed: 8 });
    const x = g.input('x', [-1, 3, 3, 1]);
    const c = g.layer('Conv2D', 'conv', x, { filters: 2, kernelSize: [1, 1], activation: 'relu' });
    const bn = g.layer('BatchNorm', 'bn', c, {}, bnWeights(2, 9));
    const graph = g.build(bn);
    const report = foldBatchNorm(graph);
    expect(report.folded).toEqual([]);
    expect(report.skipped[0]!.reason).toMatch(/relu/);
    expect(graph.findNode('bn')).toBeDefined();
  });

  it('keeps the zeros of a pruned kernel and its mask', () => {
    const g = new GraphBuilder('m', { seed: 10 });
    const x = g.input('x', [-1, 6]);
    const d = g.layer('Dense', 'dense', x, { units: 4 });
    const graph = g.build(g.layer('BatchNorm', 'bn', d, {}, bnWeights(4, 11)));
    const k = graph.node('dense').weights['kernel']!;
    const data = k.tensor.data as Float32Array;
    const mask = Uint8Array.from(data, (_, i) => (i % 2 ? 1 : 0));
    data.forEach((_, i) => (mask[i] === 0 ? (data[i] = 0) : undefined));
    k.annotations.mask = { mask };
    foldBatchNorm(graph);
    const folded = graph.node('dense').weights['kernel']!;
    expect(folded.annotations.mask).toBeDefined();
    (folded.tensor.data as Float32Array).forEach((v, i) => {
      if (mask[i] === 0) expect(v).toBe(0);
    });
  });

  it('turns a per-tensor codebook into a per-channel one: each channel scaled by its BN factor', () => {
    // Dense kernel [2 in, 2 out], channel axis 1, per-tensor codebook {-1, 0, 2} (zero pinned).
    // BN: gamma [2, 1], variance [3, 0.25], epsilon 1 → factors 2/√4 = 1 and 1/√1.25.
    const g = new GraphBuilder('m', { seed: 12 });
    const x = g.input('x', [-1, 2]);
    const d = g.layer(
      'Dense',
      'dense',
      x,
      { units: 2, useBias: false },
      { kernel: tensor('float32', [2, 2], [2, -1, 0, 2]) },
    );
    const bn = g.layer(
      'BatchNorm',
      'bn',
      d,
      { epsilon: 1 },
      {
        gamma: tensor('float32', [2], [2, 1]),
        beta: tensor('float32', [2], [0.5, 0]),
        movingMean: tensor('float32', [2], [1, -2]),
        movingVariance: tensor('float32', [2], [3, 0.25]),
      },
    );
    const graph = g.build(bn);
    graph.node('dense').weights['kernel']!.annotations.codebook = {
      centroids: new Float32Array([-1, 0, 2]),
      indices: new Uint8Array([2, 0, 1, 2]),
      clusters: 3,
      zeroCentroid: [1],
    };
    const report = foldBatchNorm(graph);
    expect(report).toEqual({ folded: [{ batchNorm: 'bn', into: 'dense' }], skipped: [] });
    const kernel = graph.node('dense').weights['kernel']!;
    const f = 1 / Math.sqrt(1.25);
    // channel 0 ×1: [2, 0]; channel 1 ×f: [-f, 2f]
    expectClose(kernel.tensor.data as Float32Array, new Float32Array([2, -f, 0, 2 * f]));
    const cb = kernel.annotations.codebook!;
    expect(cb.channelAxes).toEqual([1]);
    expect(cb.zeroCentroid).toEqual([1, 1]);
    expect(Array.from(cb.indices)).toEqual([2, 0, 1, 2]);
    expectClose(cb.centroids, new Float32Array([-1, 0, 2, -f, 0, 2 * f]));
    // bias' = (0 − μ)·factor + β: channel 0 → −1·1 + 0.5, channel 1 → 2f
    expectClose(
      graph.node('dense').weights['bias']!.tensor.data as Float32Array,
      new Float32Array([-0.5, 2 * f]),
    );
    verifyGraph(graph);
    // every channel still holds at most 3 distinct values, zero stays exactly zero
    const k = kernel.tensor.data as Float32Array;
    expect(new Set([k[0], k[2]]).size).toBeLessThanOrEqual(3);
    expect(k[2]).toBe(0);
  });

  it('scales the rows of a per-channel codebook by their own factors', () => {
    const cb = scaleCodebookPerChannel(
      {
        centroids: new Float32Array([1, 2, -3, 4]),
        indices: new Uint8Array([0, 1]),
        clusters: 2,
        channelAxes: [3],
      },
      [3],
      [0.5, 2],
    );
    expect(Array.from(cb.centroids)).toEqual([0.5, 1, -6, 8]);
    expect(cb.channelAxes).toEqual([3]);
    expect(cb.zeroCentroid).toBeUndefined();
  });

  it('folds a BatchNorm after a depthwise kernel with a per-tensor codebook (channels = cin × multiplier)', () => {
    const g = new GraphBuilder('m', { seed: 13 });
    const x = g.input('x', [-1, 3, 3, 2]);
    const dw = g.layer('DepthwiseConv2D', 'dw', x, {
      kernelSize: [1, 1],
      padding: 'same',
      depthMultiplier: 1,
      useBias: false,
    });
    const graph = g.build(g.layer('BatchNorm', 'bn', dw, {}, bnWeights(2, 14)));
    const kernel = graph.node('dw').weights['kernel']!;
    kernel.tensor = tensor('float32', [1, 1, 2, 1], [0.5, -0.5]);
    kernel.annotations.codebook = {
      centroids: new Float32Array([-0.5, 0.5]),
      indices: new Uint8Array([1, 0]),
      clusters: 2,
    };
    const input = randomInput(2 * 3 * 3 * 2, 15);
    const before = evaluateFlat(graph, input);
    expect(foldBatchNorm(graph).folded).toHaveLength(1);
    expect(graph.node('dw').weights['kernel']!.annotations.codebook!.centroids).toHaveLength(4);
    verifyGraph(graph);
    expectClose(evaluateFlat(graph, input), before);
  });
});

function evaluateFlat(graph: Graph, input: Float32Array): Float32Array {
  const shape = graph.inputs[0]!.shape!.slice(1);
  const per = shape.reduce((a, b) => a * b, 1);
  return evaluate(graph, input, [input.length / per, ...shape]);
}
