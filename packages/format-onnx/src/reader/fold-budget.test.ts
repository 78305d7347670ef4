import { CollaboptError } from '@collabopt/core';
import type { NodeProto } from '../proto/types';
import { floatValueInfo, int64Tensor, onnxModel } from '../../test/onnx-test-models';
import { FoldBudget } from './fold';
import { readOnnx } from './read-onnx';

const N = 1000;

/** x[1, N] + ConstantOfShape([1, N]) for each of `used` nodes, plus `unused` unread huge ones. */
function modelWithConstants(used: number, unused: number): Uint8Array {
  const nodes: NodeProto[] = [];
  let prev = 'x';
  for (let i = 0; i < used; i++) {
    nodes.push({
      name: `fill${i}`,
      opType: 'ConstantOfShape',
      input: ['shape'],
      output: [`c${i}`],
    });
    nodes.push({ name: `add${i}`, opType: 'Add', input: [prev, `c${i}`], output: [`s${i}`] });
    prev = `s${i}`;
  }
  for (let i = 0; i < unused; i++)
    nodes.push({ name: `dead${i}`, opType: 'ConstantOfShape', input: ['huge'], output: [`d${i}`] });
  return onnxModel({
    name: 'fold-budget',
    node: nodes,
    initializer: [int64Tensor('shape', [1, N]), int64Tensor('huge', [1 << 24])],
    input: [floatValueInfo('x', [1, N])],
    output: [floatValueInfo(prev, [1, N])],
  });
}

describe('constant-folding budget', () => {
  it('charges each fold before allocating and refuses the one that crosses the budget', () => {
    const b = new FoldBudget(100);
    b.charge(12, {});
    expect(b.usedBytes).toBe(96);
    expect(() => b.charge(1, { node: 'n' })).toThrow(
      expect.objectContaining({ code: 'ONNX_FOLD_BUDGET_EXCEEDED' }),
    );
  });

  it('names the node and the option when a model folds more than the budget', async () => {
    const bytes = modelWithConstants(8, 0);
    const e = await readOnnx(bytes, { foldBudgetBytes: 2.5 * N * 8 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CollaboptError);
    expect((e as CollaboptError).code).toBe('ONNX_FOLD_BUDGET_EXCEEDED');
    expect((e as CollaboptError).location.node).toBe('fill2');
    expect((e as CollaboptError).message).toContain('foldBudgetBytes');
    const g = await readOnnx(bytes, { foldBudgetBytes: 8 * N * 8 });
    expect(g.nodes.length).toBeGreaterThan(1);
  });

  it('does not evaluate constants nothing reads', async () => {
    // eight unread ConstantOfShape([2^24]) would take 1 GiB as float64; they are skipped
    const g = await readOnnx(modelWithConstants(1, 8), { foldBudgetBytes: 2 * N * 8 });
    expect(g.nodes.some((n) => n.name.startsWith('dead'))).toBe(false);
  });
});
