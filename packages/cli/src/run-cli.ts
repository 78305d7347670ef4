import { parseArgs } from 'node:util';
import { CancelledError, CollaboptError, InvalidArgumentError } from '@collabopt/core';
import { printBackendDetails } from './backend-details';
import { convertCommand } from './commands/convert';
import { inspectCommand } from './commands/inspect';
import { optimizeCommand } from './commands/optimize';
import { formatsCommand, passesCommand } from './commands/registries';
import { sensitivityCommand } from './commands/sensitivity';
import { treeCommand } from './commands/tree';
import { treeBudgetCommand } from './commands/tree-budget';
import { parseInputShapes } from './input-shapes';
import {
  checkOutputFile,
  checkOutputFolder,
  checkReportFile,
  integerOption as integer,
  refuseOptions,
  required as need,
} from './check-arguments';
import { print, type CliIo } from './io';
import { OutputJournal } from './output-journal';
import { registerAllPlugins } from './plugins';
import { USAGE } from './usage';
import { loadUserPlugins } from './user-plugins';
import { cliVersion } from './version';
import { reportFormatOf } from '@collabopt/report';
import { BUDGET_OBJECTIVES, type BudgetObjective } from '@collabopt/preserve';

const OPTIONS = {
  pipeline: { type: 'string', short: 'p' },
  output: { type: 'string', short: 'o' },
  data: { type: 'string', short: 'd' },
  labels: { type: 'string' },
  'input-shape': { type: 'string', multiple: true },
  preprocess: { type: 'string' },
  'validation-split': { type: 'string' },
  seed: { type: 'string', default: '0' },
  epochs: { type: 'string' },
  format: { type: 'string' },
  report: { type: 'string' },
  'report-layer': { type: 'string' },
  sparsity: { type: 'string' },
  clusters: { type: 'string' },
  'per-channel': { type: 'boolean' },
  'prune-epochs': { type: 'string' },
  'cluster-epochs': { type: 'string' },
  'qat-epochs': { type: 'string' },
  'learning-rate': { type: 'string' },
  recipe: { type: 'string' },
  budget: { type: 'string' },
  objective: { type: 'string' },
  'time-limit': { type: 'string' },
  'screen-samples': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
  verbose: { type: 'boolean', short: 'v' },
  plugin: { type: 'string', multiple: true },
} as const;

function fraction(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n))
    throw new InvalidArgumentError(`--${name} must be a number, got "${value}"`, {
      field: `--${name}`,
    });
  return n;
}

/** `--budget`: points of accuracy, ≥ 0. */
function budgetPoints(value: string): number {
  const n = fraction('budget', value)!;
  if (n < 0)
    throw new InvalidArgumentError(`--budget is a drop in accuracy points, ≥ 0; got ${value}`, {
      field: '--budget',
    });
  return n;
}

function objectiveOf(value: string | undefined): BudgetObjective | undefined {
  if (value === undefined) return undefined;
  if (!(BUDGET_OBJECTIVES as readonly string[]).includes(value))
    throw new InvalidArgumentError(
      `--objective must be ${BUDGET_OBJECTIVES.join(' or ')}, got "${value}"`,
      { field: '--objective' },
    );
  return value as BudgetObjective;
}

function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Options of the tree only. */
const TREE_ONLY = [
  'sparsity',
  'clusters',
  'per-channel',
  'prune-epochs',
  'cluster-epochs',
  'qat-epochs',
  'learning-rate',
  'recipe',
  'budget',
  'objective',
  'time-limit',
  'screen-samples',
] as const;

/** Run the command line; returns the process exit code (0 ok, 1 unexpected, 2 bad input, 130 cancelled). */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  // What the command may create, so an interrupted run can remove it again.
  const journal = new OutputJournal();
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    });
    const [command, ...rest] = positionals;
    if (values.version) {
      print(io, `collabopt ${cliVersion()}`);
      return 0;
    }
    if (values.help || command === undefined || command === 'help') {
      print(io, USAGE);
      return command === undefined && !values.help ? 2 : 0;
    }
    registerAllPlugins();
    await loadUserPlugins(values.plugin ?? [], process.cwd());
    const seed = integer('seed', values.seed, 0) ?? 0;
    if (
      values.verbose &&
      (command === 'optimize' || command === 'tree' || command === 'sensitivity')
    )
      await printBackendDetails(io);
    if (values.report !== undefined) reportFormatOf(values.report); // before any work
    const reportLayer = defined({ reportLayer: values['report-layer'] });
    const inputShapes = parseInputShapes(values['input-shape'] ?? []);
    const dataOptions = defined({
      data: values.data,
      labels: values.labels,
      preprocess: values.preprocess,
      validationSplit: fraction('validation-split', values['validation-split']),
      inputShapes,
    });
    const notTree: Record<string, string> = {
      epochs:
        "it sets the tree's baseline training; in a pipeline give the pass its own epochs, e.g. qat(epochs=2)",
    };
    for (const o of TREE_ONLY) notTree[o] = 'it applies to tree only';
    const noData = (command: string): Record<string, string> => ({
      data: `${command} reads no data set`,
      labels: `${command} reads no data set`,
      preprocess: `${command} reads no data set`,
      'validation-split': `${command} reads no data set`,
    });
    switch (command) {
      case 'inspect':
        refuseOptions(command, values, {
          ...notTree,
          ...noData(command),
          output: 'inspect prints to stdout',
          pipeline: 'use optimize',
        });
        await inspectCommand(need(rest[0], 'model file'), io, {
          ...defined({ report: values.report }),
          ...reportLayer,
        });
        return 0;
      case 'convert': {
        refuseOptions(command, values, {
          ...notTree,
          ...noData(command),
          report: 'it applies to inspect, optimize and tree',
          pipeline: 'use optimize',
          output: 'give the output file as the second argument',
        });
        const input = need(rest[0], 'input file');
        const output = need(rest[1], 'output file');
        await checkOutputFile(output, [input], values.format);
        await journal.watchFile(output);
        await convertCommand(input, output, io, defined({ format: values.format, inputShapes }));
        return 0;
      }
      case 'optimize': {
        refuseOptions(command, values, notTree);
        const input = need(rest[0], 'input file');
        const output = need(values.output, '--output');
        const pipeline = need(values.pipeline, '--pipeline');
        await checkOutputFile(output, [input], values.format);
        await journal.watchFile(output);
        await optimizeCommand(
          input,
          {
            pipeline,
            output,
            seed,
            ...dataOptions,
            ...defined({ format: values.format, report: values.report }),
            ...reportLayer,
          },
          io,
        );
        return 0;
      }
      case 'tree': {
        refuseOptions(command, values, {
          pipeline: 'the tree runs its own pipelines (a whole tree goes in --recipe)',
          format: 'the tree writes int8 TFLite leaves',
        });
        const output = values.output ?? 'collabopt-tree';
        await checkOutputFolder(output);
        if (values.report !== undefined) {
          const inputs = [rest[0], values.recipe].filter((f): f is string => f !== undefined);
          await checkReportFile(values.report, inputs);
          await journal.watchFile(values.report);
        }
        await journal.watch(output);
        if (values.budget !== undefined) {
          refuseOptions(command, values, {
            recipe: 'the budget search chooses its own sparsity, clusters and bit widths',
            sparsity: 'the budget search chooses the sparsity',
            clusters: 'the budget search chooses the cluster count',
            'per-channel': 'the budget search tries per-tensor and per-channel codebooks',
            'prune-epochs': 'the budget search fine-tunes each branch for one epoch',
            'cluster-epochs': 'the budget search fine-tunes each branch for one epoch',
            'qat-epochs': 'the budget search quantizes post-training',
            'learning-rate': 'the budget search uses the tree defaults',
            'report-layer': 'the budget search writes budget-report.json',
            report: 'the budget search writes budget-report.json into its output folder',
          });
          await treeBudgetCommand(
            rest[0],
            {
              seed,
              epochs: integer('epochs', values.epochs, 1) ?? 3,
              output,
              ...dataOptions,
              budget: budgetPoints(values.budget),
              ...defined({
                objective: objectiveOf(values.objective),
                timeLimit: integer('time-limit', values['time-limit'], 1),
                screenSamples: integer('screen-samples', values['screen-samples'], 0),
              }),
            },
            io,
          );
          return 0;
        }
        for (const o of ['objective', 'time-limit', 'screen-samples'] as const)
          if (values[o] !== undefined)
            throw new InvalidArgumentError(`--${o} applies to tree --budget only`, {
              field: `--${o}`,
            });
        await treeCommand(
          rest[0],
          {
            seed,
            epochs: integer('epochs', values.epochs, 1) ?? 3,
            output,
            ...dataOptions,
            ...defined({
              recipe: values.recipe,
              report: values.report,
              sparsity: fraction('sparsity', values.sparsity),
              clusters: integer('clusters', values.clusters, 2),
              perChannel: values['per-channel'],
              pruneEpochs: integer('prune-epochs', values['prune-epochs'], 1),
              clusterEpochs: integer('cluster-epochs', values['cluster-epochs'], 1),
              qatEpochs: integer('qat-epochs', values['qat-epochs'], 1),
              learningRate: fraction('learning-rate', values['learning-rate']),
            }),
            ...reportLayer,
          },
          io,
        );
        return 0;
      }
      case 'sensitivity': {
        const notSensitivity: Record<string, string> = {
          pipeline: 'sensitivity runs its own probes',
          format: 'sensitivity writes no model',
          output: 'sensitivity prints its table; --report writes it',
        };
        for (const o of TREE_ONLY) notSensitivity[o] = 'it applies to tree only';
        refuseOptions(command, values, notSensitivity);
        if (values.report !== undefined) await journal.watchFile(values.report);
        await sensitivityCommand(
          rest[0],
          {
            seed,
            epochs: integer('epochs', values.epochs, 1) ?? 3,
            ...dataOptions,
            ...defined({ report: values.report }),
          },
          io,
        );
        return 0;
      }
      case 'passes':
        passesCommand(io);
        return 0;
      case 'formats':
        formatsCommand(io);
        return 0;
      default:
        throw new InvalidArgumentError(
          `unknown command "${command}"; commands: inspect, convert, optimize, tree, sensitivity, passes, formats`,
          { field: 'command' },
        );
    }
  } catch (e) {
    if (e instanceof CancelledError || io.signal.aborted) {
      const removed = await journal.removeCreated().catch(() => [] as string[]);
      io.stderr.write(
        removed.length > 0
          ? `cancelled; removed the partial outputs ${removed.join(', ')}\n`
          : 'cancelled\n',
      );
      return 130;
    }
    if (e instanceof CollaboptError) {
      io.stderr.write(`error [${e.code}]: ${e.message}\n`);
      return 2;
    }
    if (
      typeof (e as { code?: unknown }).code === 'string' &&
      (e as { code: string }).code.startsWith('ERR_PARSE_ARGS')
    ) {
      io.stderr.write(`error: ${(e as Error).message}\n${USAGE}`);
      return 2;
    }
    io.stderr.write(
      `unexpected failure: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    return 1;
  }
}
