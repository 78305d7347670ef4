import {
  checkOutputPlan,
  FormatError,
  getIoHost,
  InvalidArgumentError,
  sameFile,
} from '@collabopt/core';
import { reportFormatOf } from '@collabopt/report';

/** An integer option ≥ `min`, or undefined when absent; a typed error names the option. */
export function integerOption(
  name: string,
  value: string | undefined,
  min: number,
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min)
    throw new InvalidArgumentError(`--${name} must be an integer ≥ ${min}, got "${value}"`, {
      field: `--${name}`,
    });
  return n;
}

/** A required positional or option. */
export function required(value: string | undefined, what: string): string {
  if (value === undefined || value === '')
    throw new InvalidArgumentError(`missing ${what}; see collabopt --help`, { field: what });
  return value;
}

/** Options a command does not use are refused rather than silently ignored. */
export function refuseOptions(
  command: string,
  given: Record<string, unknown>,
  notFor: Record<string, string>,
): void {
  for (const [option, hint] of Object.entries(notFor)) {
    if (given[option] !== undefined)
      throw new InvalidArgumentError(`--${option} does not apply to ${command}; ${hint}`, {
        field: `--${option}`,
      });
  }
}

/**
 * Everything about an output file that can be known before any work runs: a format writes it
 * (`--format` or the extension), its folder exists or can be created, and it is not an input.
 */
export async function checkOutputFile(
  output: string,
  inputs: readonly string[],
  format: string | undefined,
): Promise<void> {
  await checkOutputPlan(output, { inputs, ...(format !== undefined ? { format } : {}) });
}

/** The tree's output folder exists as a folder or can be created. */
export async function checkOutputFolder(folder: string): Promise<void> {
  await getIoHost().checkOutputFolder(folder);
}

/**
 * A `--report` file, before any work runs: `.html` or `.json`, its folder exists or can be
 * created, and it is none of the command's inputs (by real path or device/inode).
 */
export async function checkReportFile(report: string, inputs: readonly string[]): Promise<void> {
  reportFormatOf(report);
  const io = getIoHost();
  await io.checkOutputFolder(io.dirname(report));
  const target = await io.identify(report);
  if (target === undefined) return;
  for (const input of inputs) {
    const id = await io.identify(input);
    if (id && sameFile(id, target))
      throw new FormatError(
        `refusing to write the report over "${id.realPath}", an input of this command; choose another --report path`,
        { file: report, field: '--report' },
        'WRITE_WOULD_OVERWRITE_INPUT',
      );
  }
}
