import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import {
  InvalidArgumentError,
  SOURCE_FILES_KEY,
  createConsoleLogger,
  createStreamProgress,
  writeFilesAtomically,
  type Graph,
} from '@collabopt/core';
import {
  DEFAULT_TREE_OPTIONS,
  pruneFrequencyFor,
  runTree,
  treePlan,
  treePlanFromRecipe,
  type TreeEvent,
  type TreeMetric,
  type TreePlanOptions,
  type TreeReport,
} from '@collabopt/preserve';
import { formatLeafTable, treeReportModel } from '@collabopt/report';
import { contextData } from '../data-sets';
import { print, type CliIo } from '../io';
import { reportKernel, runMetadata, writeReportFile } from '../report-file';
import { prepareTreeBaseline } from './tree-baseline';

export interface TreeOptions extends Partial<TreePlanOptions> {
  /** `--data`; required for a user's model, `mnist` by default for the built-in demo. */
  data?: string;
  labels?: string;
  preprocess?: string;
  inputShapes?: Record<string, number[]>;
  /** `--recipe tree.json`. */
  recipe?: string;
  seed: number;
  /** Baseline training epochs of the built-in demo (reference CNN). */
  epochs: number;
  /** Output folder. */
  output: string;
  /** `layer` or `layer/weight` whose values report.html's density plots show. */
  reportLayer?: string;
  /** `--report x.html|x.json`: where the report goes (default: report.html in the output folder). */
  report?: string;
}

const pct = (m?: TreeMetric | null): string =>
  !m
    ? ''
    : m.kind === 'sqnrDb'
      ? `${m.value.toFixed(1)} dB`
      : `${(m.value * 100).toFixed(2)}%${m.kind === 'agreement' ? ' agr' : ''}`;

function planOf(options: TreeOptions, recipe: unknown, trainSamples?: number) {
  const knobs: Partial<TreePlanOptions> = {};
  for (const k of [
    'sparsity',
    'clusters',
    'perChannel',
    'pruneEpochs',
    'clusterEpochs',
    'qatEpochs',
    'learningRate',
    'pruneFrequency',
  ] as const)
    if (options[k] !== undefined) (knobs as Record<string, unknown>)[k] = options[k];
  // Small data sets: update the pruning masks often enough (unless the recipe says how often).
  const fromRecipe = (recipe as { pruneFrequency?: unknown } | undefined)?.pruneFrequency;
  if (
    trainSamples !== undefined &&
    knobs.pruneFrequency === undefined &&
    fromRecipe === undefined
  ) {
    const frequency = pruneFrequencyFor(
      trainSamples,
      knobs.pruneEpochs ??
        (recipe as { pruneEpochs?: number } | undefined)?.pruneEpochs ??
        DEFAULT_TREE_OPTIONS.pruneEpochs,
    );
    if (frequency !== undefined) (knobs as { pruneFrequency?: number }).pruneFrequency = frequency;
  }
  return recipe === undefined
    ? treePlan(knobs)
    : treePlanFromRecipe(recipe, knobs, options.recipe ?? 'recipe');
}

async function readRecipe(file: string | undefined): Promise<unknown> {
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new InvalidArgumentError(`cannot read the recipe: ${(e as Error).message}`, {
      file,
      field: '--recipe',
    });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new InvalidArgumentError(`the recipe is not JSON: ${(e as Error).message}`, {
      file,
      field: '--recipe',
    });
  }
}

// Contract warnings are not reprinted here: the pass manager's logger printed each one when it
// happened (the report keeps them).
function printEvent(io: CliIo, e: TreeEvent): void {
  switch (e.kind) {
    case 'baseline':
      print(
        io,
        e.metric
          ? `baseline float ${e.metric.kind}: ${pct(e.metric)}`
          : 'baseline float: the reference (no labels: every leaf is measured against it, by agreement or SQNR)',
      );
      return;
    case 'branch-start':
      print(io, `branch ${e.branch.label}: ${e.branch.pipeline ?? ''}`);
      return;
    case 'branch-done': {
      const r = e.report;
      if (r.status !== 'ok') print(io, `  FAILED [${r.error?.code}]: ${r.error?.message}`);
      else
        print(
          io,
          `  float ${pct(r.metric)}, kernel sparsity ${((r.kernels?.sparsity ?? 0) * 100).toFixed(1)}%, max distinct values per kernel ${r.kernels?.maxUniquePerKernel}`,
        );
      return;
    }
    case 'leaf-start':
      print(io, `leaf ${e.leaf.label}: ${e.leaf.pipeline}`);
      return;
    case 'leaf-done':
      if (e.report.status !== 'ok')
        print(io, `  FAILED [${e.report.error?.code}]: ${e.report.error?.message}`);
  }
}

/**
 * `collabopt tree [<model>]`: the deployment tree of @collabopt/preserve's `runTree` on the given
 * model (or, for the built-in demo, the reference CNN trained on the data), every leaf written as
 * an int8 TFLite file into the output folder with `tree-report.json`. Parses, prints, writes.
 */
export async function treeCommand(
  input: string | undefined,
  options: TreeOptions,
  io: CliIo,
): Promise<TreeReport> {
  const recipe = await readRecipe(options.recipe);
  planOf(options, recipe); // a bad recipe or knob fails before any work
  const { baseline, format, data, engine } = await prepareTreeBaseline(input, options, io);
  const plan = planOf(options, recipe, data.train.count);
  await fs.mkdir(options.output, { recursive: true });
  // The old report describes the leaves this run is about to replace: an interrupted run must not
  // leave it behind describing files that changed. The new one is written when the tree is done.
  const reportFile = path.join(options.output, 'tree-report.json');
  await fs.rm(reportFile, { force: true });
  const protect = (baseline.metadata[SOURCE_FILES_KEY] as string[] | undefined) ?? [];
  const kernel = reportKernel(options.reportLayer);
  const leafGraphs = new Map<string, Graph>();
  const { report, branches, passRecords } = await runTree(baseline, plan, {
    engine,
    data: contextData(data),
    seed: options.seed,
    signal: io.signal,
    logger: createConsoleLogger('warn', io.stderr),
    progress: createStreamProgress(io.stderr),
    writer: async (graph, leaf) => {
      leafGraphs.set(leaf.id, graph);
      const files = await format.write!(graph, { fileName: `${leaf.id}.tflite` });
      // after an interrupt nothing more is written (a CancelledError)
      await writeFilesAtomically(options.output, files, protect, { signal: io.signal });
      return files;
    },
    onEvent: (e) => printEvent(io, e),
    dataDescription: { name: data.name, preprocess: data.preprocess },
  });
  const reportPath = options.report ?? path.join(options.output, 'report.html');
  const model = treeReportModel({
    report,
    branches,
    leaves: leafGraphs,
    passRecords,
    ...(kernel ? { kernel } : {}),
    metadata: runMetadata({
      command: 'tree',
      ...(input ? { model: input } : {}),
      dataSet: data.name,
      preprocessing: data.preprocess,
      backend: engine.backend,
      seed: options.seed,
      reproduce: `collabopt tree${input ? ` ${input}` : ''} --data ${data.name}${data.labelled ? '' : ' --labels none'} --seed ${options.seed} --epochs ${options.epochs} -o ${options.output}${options.recipe ? ` --recipe ${options.recipe}` : ''}${options.report ? ` --report ${options.report}` : ''}`,
    }),
  });
  print(io, formatLeafTable(model, { leafHeader: 'leaf (int8 TFLite)' }));
  await writeFilesAtomically(
    options.output,
    [
      {
        path: 'tree-report.json',
        bytes: new TextEncoder().encode(`${JSON.stringify(report, null, 2)}\n`),
      },
    ],
    protect,
    { signal: io.signal },
  );
  await writeReportFile(reportPath, model, [
    ...protect,
    ...(options.recipe ? [options.recipe] : []),
  ]);
  const failed = report.leaves.filter((l) => l.status !== 'ok').length;
  print(
    io,
    `files and tree-report.json in ${options.output}, the report in ${reportPath}${failed ? ` (${failed} leaf/leaves not built: see above)` : ''}`,
  );
  return report;
}
