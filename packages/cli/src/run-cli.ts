import { parseArgs } from 'node:util';
import { CancelledError, CollaboptError, InvalidArgumentError } from '@collabopt/core';
import { convertCommand } from './commands/convert';
import { inspectCommand } from './commands/inspect';
import { optimizeCommand } from './commands/optimize';
import { formatsCommand, passesCommand } from './commands/registries';
import { treeCommand } from './commands/tree';
import {
  checkOutputFile,
  checkOutputFolder,
  integerOption as integer,
  refuseOptions,
  required as need,
} from './check-arguments';
import { print, type CliIo } from './io';
import { OutputJournal } from './output-journal';
import { registerAllPlugins } from './plugins';
import { USAGE } from './usage';
import { reportFormatOf } from '@collabopt/report';

const OPTIONS = {
  pipeline: { type: 'string', short: 'p' },
  output: { type: 'string', short: 'o' },
  data: { type: 'string', short: 'd' },
  seed: { type: 'string', default: '0' },
  epochs: { type: 'string' },
  format: { type: 'string' },
  'runtime-samples': { type: 'string' },
  report: { type: 'string' },
  'report-layer': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

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
    if (values.help || command === undefined || command === 'help') {
      print(io, USAGE);
      return command === undefined && !values.help ? 2 : 0;
    }
    registerAllPlugins();
    const seed = integer('seed', values.seed, 0) ?? 0;
    if (values.report !== undefined) reportFormatOf(values.report); // before any work

    const notTree = {
      epochs:
        "it sets the tree's baseline training; in a pipeline give the pass its own epochs, e.g. qat(epochs=2)",
      'runtime-samples': 'it applies to tree only',
    };
    switch (command) {
      case 'inspect':
        refuseOptions(command, values, {
          ...notTree,
          data: 'inspect reads no data set',
          output: 'inspect prints to stdout',
          pipeline: 'use optimize',
        });
        await inspectCommand(need(rest[0], 'model file'), io, {
          ...(values.report ? { report: values.report } : {}),
          ...(values['report-layer'] ? { reportLayer: values['report-layer'] } : {}),
        });
        return 0;
      case 'convert': {
        refuseOptions(command, values, {
          ...notTree,
          data: 'convert reads no data set',
          pipeline: 'use optimize',
          output: 'give the output file as the second argument',
        });
        const input = need(rest[0], 'input file');
        const output = need(rest[1], 'output file');
        await checkOutputFile(output, [input], values.format);
        await journal.watchFile(output);
        await convertCommand(input, output, io, values.format ? { format: values.format } : {});
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
            data: values.data ?? 'mnist',
            seed,
            ...(values.format ? { format: values.format } : {}),
            ...(values.report ? { report: values.report } : {}),
            ...(values['report-layer'] ? { reportLayer: values['report-layer'] } : {}),
          },
          io,
        );
        return 0;
      }
      case 'tree': {
        refuseOptions(command, values, {
          pipeline: 'the tree runs its own pipelines',
          format: 'the tree writes int8 TFLite leaves',
        });
        const runtimeSamples = integer('runtime-samples', values['runtime-samples'], 1);
        const epochs = integer('epochs', values.epochs, 1) ?? 3;
        const data = values.data ?? 'mnist';
        if (data === 'none')
          throw new InvalidArgumentError(
            'the tree trains and evaluates every leaf: use --data mnist or --data fashion-mnist',
            { field: '--data' },
          );
        const output = values.output ?? 'collabopt-tree';
        await checkOutputFolder(output);
        await journal.watch(output);
        await treeCommand(
          rest[0],
          {
            data,
            seed,
            epochs,
            output,
            ...(runtimeSamples ? { runtimeSamples } : {}),
            ...(values.report ? { report: values.report } : {}),
            ...(values['report-layer'] ? { reportLayer: values['report-layer'] } : {}),
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
          `unknown command "${command}"; commands: inspect, convert, optimize, tree, passes, formats`,
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
