/**
 * Checks on the leaves of the stock deployment tree (`collabopt tree`): all built, the structure
 * each branch established kept in the written files, and each file's accuracy in a real runtime.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { TreeLeafReport } from '@collabopt/preserve';
import type { Job, JobResult, SampleInput } from '../format-tflite/runtimes';

/** The stock tree's leaves, in plan order. */
export const TREE_LEAVES = [
  'baseline-ptq',
  'baseline-qat',
  'pruned-ptq',
  'pruned-pqat',
  'pruned-clustered-ptq',
  'pruned-clustered-pcqat',
  'clustered-ptq',
  'clustered-cqat',
] as const;

const PRUNED_LEAVES = TREE_LEAVES.filter((id) => id.startsWith('pruned'));
const CLUSTERED_LEAVES = TREE_LEAVES.filter((id) => id.includes('clustered'));

/** Every leaf of the stock tree was built and written. */
export function expectEveryLeafOk(leaves: readonly TreeLeafReport[]): void {
  expect(leaves.map((l) => [l.id, l.status])).toEqual(TREE_LEAVES.map((id) => [id, 'ok']));
}

/**
 * The leaves keep what their branch established, as stored in the written files: the pruned
 * leaves at least `minSparsity` zeros, the clustered ones at most `maxCodesPerChannel` distinct
 * int8 values per kernel channel.
 */
export function expectBranchStructureKept(
  leaves: readonly TreeLeafReport[],
  { minSparsity, maxCodesPerChannel }: { minSparsity: number; maxCodesPerChannel: number },
): void {
  const byId = new Map(leaves.map((l) => [l.id, l]));
  for (const id of PRUNED_LEAVES)
    expect(byId.get(id)!.kernels!.sparsity).toBeGreaterThanOrEqual(minSparsity);
  for (const id of CLUSTERED_LEAVES)
    expect(byId.get(id)!.kernels!.maxUniquePerChannel).toBeLessThanOrEqual(maxCodesPerChannel);
}

/** Each leaf's (main) file from the output folder `out`, as a runtime job on `samples`. */
export async function leafJobs(
  out: string,
  leaves: readonly TreeLeafReport[],
  samples: SampleInput[][],
): Promise<Job[]> {
  return Promise.all(
    leaves.map(async (l) => ({
      model: new Uint8Array(await fs.readFile(path.join(out, l.files[0]!.path))),
      samples,
    })),
  );
}

/** Top-1 accuracy of a runtime's first output against `labels`; a refused model fails. */
export function top1Accuracy(result: JobResult | undefined, labels: ArrayLike<number>): number {
  if (!result) throw new Error('no runtime result');
  if (result.error) throw new Error(result.error);
  let correct = 0;
  result.samples.forEach((outs, i) => {
    const scores = outs[0]!.data;
    if (scores.indexOf(Math.max(...scores)) === labels[i]) correct++;
  });
  return correct / result.samples.length;
}
