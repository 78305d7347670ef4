import { InvalidArgumentError } from '@collabopt/core';
import {
  checkTreePlan,
  pipelinePasses,
  treePlan,
  type TreeBranch,
  type TreeLeaf,
  type TreePlan,
  type TreePlanOptions,
} from './plan';

/**
 * A tree recipe (`collabopt tree --recipe tree.json`): either the knobs of the standard tree,
 *
 *     { "sparsity": 0.75, "clusters": 8, "perChannel": true, "qatEpochs": 2 }
 *
 * or a whole tree, branches first (the first is the baseline), leaves naming their branch:
 *
 *     { "branches": [{ "id": "baseline" },
 *                    { "id": "pruned", "from": "baseline", "pipeline": "prune(sparsity=0.8)" }],
 *       "leaves":   [{ "id": "pruned-pqat", "from": "pruned", "pipeline": "pqat(epochs=1)" }] }
 */
export interface TreeRecipe extends Partial<TreePlanOptions> {
  readonly branches?: readonly (Omit<TreeBranch, 'label'> & { label?: string })[];
  readonly leaves?: readonly (Omit<TreeLeaf, 'label' | 'requires'> & { label?: string })[];
}

const KNOBS: Readonly<Record<keyof TreePlanOptions, 'number' | 'boolean'>> = {
  sparsity: 'number',
  clusters: 'number',
  perChannel: 'boolean',
  pruneEpochs: 'number',
  clusterEpochs: 'number',
  qatEpochs: 'number',
  learningRate: 'number',
  pruneFrequency: 'number',
};

/** The plan a recipe describes; `overrides` (e.g. command-line flags) win over the recipe's knobs. */
export function treePlanFromRecipe(
  recipe: unknown,
  overrides: Partial<TreePlanOptions> = {},
  source = 'recipe',
): TreePlan {
  if (typeof recipe !== 'object' || recipe === null || Array.isArray(recipe))
    throw new InvalidArgumentError(`${source}: a tree recipe is a JSON object`, { file: source });
  const r = recipe as Record<string, unknown>;
  const knobs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(r)) {
    if (key === 'branches' || key === 'leaves') continue;
    const kind = KNOBS[key as keyof TreePlanOptions];
    if (kind === undefined)
      throw new InvalidArgumentError(
        `${source}: unknown key "${key}" (known: ${[...Object.keys(KNOBS), 'branches', 'leaves'].join(', ')})`,
        { file: source, field: key },
      );
    if (typeof value !== kind)
      throw new InvalidArgumentError(`${source}: "${key}" must be a ${kind}`, {
        file: source,
        field: key,
      });
    knobs[key] = value;
  }
  const options = { ...(knobs as Partial<TreePlanOptions>), ...overrides };
  if (r['branches'] === undefined && r['leaves'] === undefined) return treePlan(options);
  if (Object.keys(knobs).length > 0)
    throw new InvalidArgumentError(
      `${source}: a whole-tree recipe writes its options into its pipelines; remove the knobs ${Object.keys(knobs).join(', ')}`,
      { file: source },
    );
  if (!Array.isArray(r['branches']) || !Array.isArray(r['leaves']))
    throw new InvalidArgumentError(
      `${source}: a whole-tree recipe needs both "branches" and "leaves" arrays`,
      {
        file: source,
      },
    );
  const str = (o: Record<string, unknown>, k: string): string | undefined =>
    typeof o[k] === 'string' ? (o[k] as string) : undefined;
  const branches: TreeBranch[] = (r['branches'] as Record<string, unknown>[]).map((b) => {
    const id = str(b, 'id') ?? '';
    const from = str(b, 'from');
    const pipeline = str(b, 'pipeline');
    return {
      id,
      label: str(b, 'label') ?? id,
      ...(from !== undefined ? { from } : {}),
      ...(pipeline !== undefined ? { pipeline } : {}),
    };
  });
  const leaves: TreeLeaf[] = (r['leaves'] as Record<string, unknown>[]).map((l) => {
    const id = str(l, 'id') ?? '';
    const pipeline = str(l, 'pipeline') ?? '';
    return {
      id,
      from: str(l, 'from') ?? '',
      pipeline,
      label: str(l, 'label') ?? id,
      requires: [],
    };
  });
  const plan = { branches, leaves };
  try {
    checkTreePlan(plan);
  } catch (e) {
    if (e instanceof InvalidArgumentError)
      throw new InvalidArgumentError(`${source}: ${e.message}`, { file: source });
    throw e;
  }
  return { branches, leaves: leaves.map((l) => ({ ...l, requires: pipelinePasses(l.pipeline) })) };
}
