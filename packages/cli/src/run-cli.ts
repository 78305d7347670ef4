import { parseArgs } from 'node:util';
import { CancelledError, CollaboptError, InvalidArgumentError } from '@collabopt/core';
import { printBackendDetails } from './backend-details';
import { convertCommand } from './commands/convert';
import { inspectCommand } from './commands/inspect';
import { optimizeCommand } from './commands/optimize';
import { formatsCommand, passesCommand } from './commands/registries';
import { treeCommand } from './commands/tree';
import { print, type CliIo } from './io';
import { registerAllPlugins } from './plugins';
import { USAGE } from './usage';
import { loadUserPlugins } from './user-plugins';
import { cliVersion } from './version';

const OPTIONS = {
  pipeline: { type: 'string', short: 'p' },
  output: { type: 'string', short: 'o' },
  data: { type: 'string', short: 'd', default: 'mnist' },
  seed: { type: 'string', default: '0' },
  epochs: { type: 'string', default: '3' },
  format: { type: 'string' },
  'runtime-samples': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
  verbose: { type: 'boolean', short: 'v' },
  plugin: { type: 'string', multiple: true },
} as const;

function integer(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new InvalidArgumentError(`--${name} must be an integer ≥ ${min}, got "${value}"`, {
      field: `--${name}`,
    });
  return n;
}

function need(value: string | undefined, what: string): string {
  if (value === undefined || value === '')
    throw new InvalidArgumentError(`missing ${what}; see collabopt --help`, { field: what });
  return value;
}

/** Run the command line; returns the process exit code (0 ok, 1 unexpected, 2 bad input, 130 cancelled). */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
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
    if (values.verbose && (command === 'optimize' || command === 'tree'))
      await printBackendDetails(io);
    switch (command) {
      case 'inspect':
        await inspectCommand(need(rest[0], 'model file'), io);
        return 0;
      case 'convert':
        await convertCommand(
          need(rest[0], 'input file'),
          need(rest[1], 'output file'),
          io,
          values.format ? { format: values.format } : {},
        );
        return 0;
      case 'optimize':
        await optimizeCommand(
          need(rest[0], 'input file'),
          {
            pipeline: need(values.pipeline, '--pipeline'),
            output: need(values.output, '--output'),
            data: values.data,
            seed,
            ...(values.format ? { format: values.format } : {}),
          },
          io,
        );
        return 0;
      case 'tree': {
        const runtimeSamples = integer('runtime-samples', values['runtime-samples'], 1);
        await treeCommand(
          rest[0],
          {
            data: values.data,
            seed,
            epochs: integer('epochs', values.epochs, 1) ?? 3,
            output: values.output ?? 'collabopt-tree',
            ...(runtimeSamples ? { runtimeSamples } : {}),
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
      io.stderr.write('cancelled\n');
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
