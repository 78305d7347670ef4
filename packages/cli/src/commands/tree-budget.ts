import { promises as fs } from 'node:fs';
import {
  BudgetExceededError,
  SOURCE_FILES_KEY,
  createConsoleLogger,
  formatTable,
  writeFilesAtomically,
} from '@collabopt/core';
import {
  branchLabel,
  searchBudget,
  type BudgetCandidate,
  type BudgetObjective,
  type BudgetSearchResult,
} from '@collabopt/preserve';
import { formatCompression } from '@collabopt/report';
import { print, type CliIo } from '../io';
import { formatSensitivityTable } from './sensitivity';
import { prepareTreeBaseline, type TreeBaselineOptions } from './tree-baseline';

export interface TreeBudgetOptions extends TreeBaselineOptions {
  /** `--budget`: largest accuracy drop vs float, in points. */
  budget: number;
  /** `--objective raw|zip` (default zip). */
  objective?: BudgetObjective;
  /**
   * `--time-limit` seconds of search (default 600): no new candidate starts after it; the
   * sensitivity pass before the search is not counted; the first all-int8 candidate always runs.
   */
  timeLimit?: number;
  /**
   * `--screen-samples`: test samples the candidates and the sensitivity pass are measured on
   * (default 2000; 0 or ≥ the test set: all); near-boundary candidates and the chosen one are
   * re-measured on the whole test set.
   */
  screenSamples?: number;
}

/** Default `--screen-samples`. */
export const DEFAULT_SCREEN_SAMPLES = 2000;

/** The file name of the chosen model in the output folder. */
export const BUDGET_FILE = 'budget.tflite';

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;

/** `84.10% (drop 0.35 ± 1.00)` on the subset, or `-` when the search did not screen. */
function subsetFigure(c: BudgetCandidate): string {
  return c.screen
    ? `${pct(c.screen.metric)} (drop ${c.screen.drop.toFixed(2)} ± ${c.screen.margin.toFixed(2)})`
    : '-';
}

/** `83.90% (drop 0.94)` on the full test set, or `not measured`. */
function fullFigure(c: BudgetCandidate): string {
  return c.full ? `${pct(c.full.metric)} (drop ${c.full.drop.toFixed(2)})` : 'not measured';
}

function plan(c: BudgetCandidate): string {
  const parts = [branchLabel(c.branch)];
  if (c.fourBitLayers.length > 0) parts.push(`4-bit ${c.fourBitLayers.join(',')}`);
  if (c.floatLayers.length > 0) parts.push(`float ${c.floatLayers.join(',')}`);
  return parts.join('; ');
}

/**
 * The Pareto front (size vs metric) of a budget search, the chosen one marked: the int8 simulation
 * on the screening subset (drop ± margin, in points) and on the full test set.
 */
export function formatBudgetFront(r: BudgetSearchResult): string {
  const subset = r.screenSamples !== undefined ? `subset ${r.screenSamples}` : 'subset';
  return formatTable(
    ['', 'candidate', `int8 sim, ${subset}`, 'int8 sim, full test set', 'raw → zipped (reduction)'],
    r.pareto.map((c) => [
      c.id === r.chosen?.id ? '*' : '',
      plan(c),
      subsetFigure(c),
      fullFigure(c),
      formatCompression(c.bytes, c.zipBytes),
    ]),
  );
}

/**
 * `collabopt tree [<model>] --budget <points> [--objective raw|zip]`: @collabopt/preserve's
 * `searchBudget` on the baseline; prints the sensitivity table, each candidate and the Pareto
 * front, writes the chosen int8 TFLite file (`budget.tflite`) and `budget-report.json` into the
 * output folder. Parses, prints, writes.
 */
export async function treeBudgetCommand(
  input: string | undefined,
  options: TreeBudgetOptions,
  io: CliIo,
): Promise<BudgetSearchResult> {
  const { baseline, format, data, engine } = await prepareTreeBaseline(
    input,
    options,
    io,
    'tree --budget',
  );
  const objective = options.objective ?? 'zip';
  const timeLimit = options.timeLimit ?? 600;
  const screenSamples = options.screenSamples ?? DEFAULT_SCREEN_SAMPLES;
  print(
    io,
    `budget search: smallest ${objective === 'raw' ? 'raw' : 'deflated'} int8 TFLite file within ${options.budget} points of the float ${data.labelled ? 'accuracy' : 'agreement'} (no new candidate after ${timeLimit} s of search, counted after the sensitivity pass; the first all-int8 candidate is always measured)`,
  );
  const result = await searchBudget(baseline, {
    engine,
    data: {
      train: data.train,
      test: data.test,
      ...(data.validation ? { validation: data.validation } : {}),
      ...(data.calibration ? { calibration: data.calibration } : {}),
    },
    budget: options.budget,
    objective,
    timeLimitSeconds: timeLimit,
    ...(screenSamples > 0 ? { screenSamples } : {}),
    seed: options.seed,
    signal: io.signal,
    logger: createConsoleLogger('warn', io.stderr),
    writer: (graph) => format.write!(graph, { fileName: BUDGET_FILE }),
    onCandidate: (c) =>
      print(
        io,
        `  ${c.id} ${plan(c)}: ${c.screen ? `subset ${subsetFigure(c)} → ${c.screen.verdict}; full ${fullFigure(c)}` : `${pct(c.metric)} (drop ${c.drop.toFixed(2)})`}, ${formatCompression(c.bytes, c.zipBytes)}${c.withinBudget ? '' : ' — over budget'}`,
      ),
  });
  print(io, formatSensitivityTable(result.sensitivity));
  print(io, `Pareto front (size vs ${result.kind}), * = chosen:`);
  print(io, formatBudgetFront(result));
  await fs.mkdir(options.output, { recursive: true });
  const protect = (baseline.metadata[SOURCE_FILES_KEY] as string[] | undefined) ?? [];
  const { chosenGraph: _graph, chosenFiles, ...summary } = result;
  const files = [
    ...(chosenFiles ?? []).map((f) => ({ ...f, path: BUDGET_FILE })),
    {
      path: 'budget-report.json',
      bytes: new TextEncoder().encode(`${JSON.stringify(summary, null, 2)}\n`),
    },
  ];
  await writeFilesAtomically(options.output, files, protect, { signal: io.signal });
  const screened =
    result.screenSamples !== undefined
      ? `, screened on ${result.screenSamples} test samples with ${result.rechecks} re-measured on all`
      : '';
  const tried = `${result.candidates.length} candidates in ${result.seconds.toFixed(0)} s (sensitivity ${result.sensitivitySeconds.toFixed(0)} s)${screened}${result.stoppedByTime ? `, stopped by the ${timeLimit} s time limit` : ''}`;
  if (!result.chosen) {
    throw new BudgetExceededError(
      `no candidate within ${options.budget} points of the float ${result.kind} (${tried}); budget-report.json in ${options.output} lists them: raise --budget${result.stoppedByTime ? ' or --time-limit' : ''}`,
      { field: '--budget' },
      'NO_CANDIDATE_WITHIN_BUDGET',
    );
  }
  print(
    io,
    `chosen ${result.chosen.id} (${plan(result.chosen)}): ${BUDGET_FILE} and budget-report.json in ${options.output}; ${tried}`,
  );
  return result;
}
