import { createRng } from '@collabopt/core';
import { activateBackend, tf } from './index';
import { FlatAdamOptimizer } from './flat-adam';

const SHAPES = [[3, 3, 2, 4], [4], [7, 5]];

/** Train three variables with `optimizer` on a fixed quadratic-ish loss; returns their values. */
function train(optimizer: tf.Optimizer, steps: number): Float32Array[] {
  const rng = createRng(7);
  const init = SHAPES.map((s) =>
    Float32Array.from({ length: s.reduce((a, d) => a * d, 1) }, () => rng.uniform(-1, 1)),
  );
  const targets = SHAPES.map((s) =>
    Float32Array.from({ length: s.reduce((a, d) => a * d, 1) }, () => rng.uniform(-1, 1)),
  );
  const vars = init.map((d, i) => tf.tidy(() => tf.variable(tf.tensor(d, SHAPES[i]))));
  const goals = targets.map((d, i) => tf.tensor(d, SHAPES[i]));
  for (let step = 0; step < steps; step++) {
    // Every third step the last variable takes no part in the loss (no gradient).
    const used = step % 3 === 2 ? vars.slice(0, -1) : vars;
    const loss = optimizer.minimize(
      () =>
        tf.addN(
          used.map((v, i) => tf.sum(tf.mul(tf.square(tf.sub(v, goals[i]!)), 1 + i))),
        ) as tf.Scalar,
      true,
      vars,
    );
    loss?.dispose();
  }
  const out = vars.map((v) => v.dataSync() as Float32Array);
  tf.dispose([...vars, ...goals]);
  optimizer.dispose();
  return out;
}

beforeAll(async () => {
  await activateBackend('wasm');
});

test('FlatAdamOptimizer follows tf.train.adam step for step (including steps without a gradient)', () => {
  const before = tf.memory().numTensors;
  const flat = train(new FlatAdamOptimizer(0.05, 0.9, 0.999, 1e-7), 12);
  expect(tf.memory().numTensors).toBe(before);
  const stock = train(tf.train.adam(0.05, 0.9, 0.999, 1e-7), 12);
  let moved = 0;
  flat.forEach((w, i) =>
    w.forEach((v, j) => {
      expect(Math.abs(v - stock[i]![j]!)).toBeLessThan(1e-5);
      moved = Math.max(moved, Math.abs(v));
    }),
  );
  expect(moved).toBeGreaterThan(0);
});

test('FlatAdamOptimizer: a variable that first appears later gets fresh moments', () => {
  const a = tf.variable(tf.tensor1d([1, 2]));
  const b = tf.variable(tf.tensor1d([3]));
  const flat = new FlatAdamOptimizer(0.1);
  const stock = tf.train.adam(0.1, 0.9, 0.999, 1e-7);
  const a2 = tf.variable(tf.tensor1d([1, 2]));
  const b2 = tf.variable(tf.tensor1d([3]));
  flat.minimize(() => tf.sum(tf.square(a)) as tf.Scalar, false, [a]);
  flat.minimize(() => tf.sum(tf.square(tf.concat([a, b]))) as tf.Scalar, false, [a, b]);
  stock.minimize(() => tf.sum(tf.square(a2)) as tf.Scalar, false, [a2]);
  // tf.train.adam keys moments by position: give it the new variable in the same order.
  stock.minimize(() => tf.sum(tf.square(tf.concat([a2, b2]))) as tf.Scalar, false, [a2, b2]);
  expect(Array.from(a.dataSync())).toEqual(
    Array.from(a2.dataSync()).map((x) => expect.closeTo(x, 5)),
  );
  expect(b.dataSync()[0]).toBeCloseTo(b2.dataSync()[0]!, 5);
  tf.dispose([a, b, a2, b2]);
  flat.dispose();
  stock.dispose();
});

test('FlatAdamOptimizer sees a variable assigned between steps (its flat parameter copy is rebuilt)', () => {
  const make = (): tf.Variable[] => [
    tf.variable(tf.tensor2d([1, -2, 3, -4], [2, 2])),
    tf.variable(tf.tensor1d([0.5, -0.5])),
  ];
  const [a, b] = make();
  const [a2, b2] = make();
  const flat = new FlatAdamOptimizer(0.1);
  const stock = tf.train.adam(0.1, 0.9, 0.999, 1e-7);
  const loss = (x: tf.Variable, y: tf.Variable) => (): tf.Scalar =>
    tf.add(tf.sum(tf.square(x)), tf.sum(tf.mul(y, y))) as tf.Scalar;
  for (let step = 0; step < 4; step++) {
    flat.minimize(loss(a!, b!), false, [a!, b!]);
    stock.minimize(loss(a2!, b2!), false, [a2!, b2!]);
    if (step === 1) {
      // What a pruning mask does after a step: zero some weights outside the optimizer.
      const mask = tf.tensor2d([0, 1, 1, 0], [2, 2]);
      a!.assign(tf.mul(a!, mask));
      a2!.assign(tf.mul(a2!, mask));
      b!.assign(tf.tensor1d([7, 8]));
      b2!.assign(tf.tensor1d([7, 8]));
      mask.dispose();
    }
  }
  // Same values as tf.train.adam up to its different float32 evaluation order.
  expect(Array.from(a!.dataSync())).toEqual(
    Array.from(a2!.dataSync()).map((x) => expect.closeTo(x, 5)),
  );
  expect(Array.from(b!.dataSync())).toEqual(
    Array.from(b2!.dataSync()).map((x) => expect.closeTo(x, 5)),
  );
  expect(b!.dataSync()[0]).toBeGreaterThan(6);
  // The masked weights started from zero after step 2 and moved only by the Adam update.
  expect(Math.abs(a!.dataSync()[0]!)).toBeLessThan(0.5);
  tf.dispose([a!, b!, a2!, b2!]);
  flat.dispose();
  stock.dispose();
});
