import { defaultOpRegistry, silentLogger, type Graph, type Weight } from '@collabopt/core';
import { createEngine, tf, type WeightTarget } from '@collabopt/engine';
import { smallCnn } from '../test/small-cnn';
import { checkMN } from './check-mn';
import { pruningTransform } from './pruning-transform';
import { constantSparsity, polynomialDecay } from './schedules';

beforeAll(async () => {
  await createEngine({ backend: 'cpu', logger: silentLogger });
});

function target(graph: Graph, node: string, slot = 'kernel'): WeightTarget {
  const n = graph.node(node);
  const capabilities = defaultOpRegistry.slot(n, slot)!.capabilities;
  return { graph, node: n, slot, weight: n.weight(slot), capabilities };
}

function variableOf(w: Weight): ReturnType<typeof tf.variable> {
  return tf.variable(
    tf.tensor(Float32Array.from(w.tensor.data as Float32Array), [...w.tensor.shape]),
  );
}

const info = (step: number) => ({ step, epoch: 0, training: true });

describe('pruningTransform', () => {
  it('applies to the policy weights only', () => {
    const g = smallCnn();
    const t = pruningTransform({ policy: { ops: ['Dense'] } });
    expect(t.stage).toBe('mask');
    expect(t.appliesTo(target(g, 'dense1'))).toBe(true);
    expect(t.appliesTo(target(g, 'conv1'))).toBe(false);
    expect(t.appliesTo(target(g, 'dense1', 'bias'))).toBe(false);
  });

  it('forward is w ⊙ mask with a straight-through gradient', () => {
    const g = smallCnn();
    const tg = target(g, 'logits');
    const raw = variableOf(tg.weight);
    const inst = pruningTransform({ schedule: constantSparsity(0.5, 1, -1, 1) }).create(tg, raw);
    // begin 1, frequency 1: the mask for step 1 is computed at create and the variable re-zeroed
    const rawValues = raw.dataSync();
    let zeros = 0;
    for (const v of rawValues) if (v === 0) zeros++;
    expect(zeros).toBe(raw.size / 2);
    const w = tf.randomNormal(raw.shape);
    const eff = inst.forward(w, info(1)).dataSync();
    const wv = w.dataSync();
    for (let i = 0; i < wv.length; i++)
      expect(eff[i] === (rawValues[i] === 0 ? 0 : wv[i])).toBe(true);
    const grad = tf
      .grad((x: ReturnType<typeof tf.tensor>) => inst.forward(x, info(1)))(w, tf.fill(w.shape, 3))
      .dataSync();
    for (const gv of grad) expect(gv).toBe(3); // pruned positions get gradient too (TFMOT semantics)
    inst.dispose();
    raw.dispose();
  });

  it('updates masks at schedule steps from the current weights, re-zeroes after every step, strips the contract', () => {
    const g = smallCnn();
    const tg = target(g, 'dense1');
    const raw = variableOf(tg.weight);
    const transform = pruningTransform({ schedule: polynomialDecay(0.25, 0.75, 0, 6, 1, 2) });
    const inst = transform.create(tg, raw);
    expect(transform.states()[0]!.updates).toEqual([]); // step 1: (1 − 0) mod 2 ≠ 0
    const target3 = [0.25, 0.25 + 0.5 * (2 / 6), 0.25 + 0.5 * (4 / 6), 0.75];
    for (let step = 1; step <= 8; step++) {
      // an "optimizer step" that moves every element, pruned ones included
      raw.assign(tf.add(raw, tf.fill(raw.shape, 0.001)));
      inst.afterStep!(raw, info(step));
      const v = raw.dataSync();
      const st = transform.states()[0]!;
      let nonZeroPruned = 0;
      for (let i = 0; i < v.length; i++)
        if (st.mask[i] === 0 && !Object.is(v[i], 0)) nonZeroPruned++;
      expect(nonZeroPruned).toBe(0); // exactly +0, not −0
    }
    const st = transform.states()[0]!;
    expect(st.updates).toEqual([2, 4, 6]);
    expect(st.lastSparsity).toBeCloseTo(target3[3]!, 6);
    const zeros = st.mask.reduce((a, m) => a + (m === 0 ? 1 : 0), 0);
    expect(zeros).toBe(raw.size - Math.round(raw.size * 0.25));
    // strip: the trainer wrote the effective weights, then strip records the annotation
    const weight: Weight = {
      tensor: { ...tg.weight.tensor, data: Float32Array.from(raw.dataSync()) },
      annotations: {},
    };
    inst.strip(weight);
    expect(weight.annotations.mask!.mask).toEqual(st.mask);
    expect(weight.annotations.mask!.targetSparsity).toBeCloseTo(0.75, 6);
    expect(weight.annotations.mask!.structure).toEqual({ kind: 'unstructured' });
    inst.dispose();
    raw.dispose();
  });

  it('does not update masks for a step after the last one (TFMOT updates at the start of a batch)', () => {
    const g = smallCnn();
    const tg = target(g, 'logits');
    const raw = variableOf(tg.weight);
    const transform = pruningTransform({ schedule: constantSparsity(0.5, 0, -1, 3), lastStep: 5 });
    const inst = transform.create(tg, raw);
    for (let step = 1; step <= 5; step++) inst.afterStep!(raw, info(step));
    expect(transform.states()[0]!.updates).toEqual([3]); // step 6 never runs
    inst.dispose();
    raw.dispose();
  });

  it('m:n masks are computed once at step 1 and kept', () => {
    const g = smallCnn();
    const tg = target(g, 'dense1');
    const raw = variableOf(tg.weight);
    const transform = pruningTransform({
      structure: { kind: 'mn', m: 2, n: 4 },
      schedule: constantSparsity(0.9, 0, -1, 1),
    });
    const inst = transform.create(tg, raw);
    const first = Uint8Array.from(transform.states()[0]!.mask);
    for (let step = 1; step <= 3; step++) {
      raw.assign(tf.mul(raw, tf.randomUniform(raw.shape, 0.5, 2)));
      inst.afterStep!(raw, info(step));
    }
    expect(transform.states()[0]!.mask).toEqual(first);
    expect(transform.states()[0]!.updates).toEqual([1]);
    tg.weight.tensor = { ...tg.weight.tensor, data: Float32Array.from(raw.dataSync()) };
    inst.strip(tg.weight);
    expect(checkMN(g, 2, 4).layers.find((l) => l.node === 'dense1')!.ok).toBe(true);
    expect(tg.weight.annotations.mask!.targetSparsity).toBe(0.5);
    inst.dispose();
    raw.dispose();
  });

  it('rejects block pruning of a conv kernel at create', () => {
    const g = smallCnn();
    const tg = target(g, 'conv1');
    const raw = variableOf(tg.weight);
    const t = pruningTransform({ structure: { kind: 'block', blockSize: [2, 2], pooling: 'avg' } });
    expect(() => t.create(tg, raw)).toThrow(/rank-2/);
    raw.dispose();
  });
});
