import { promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError, writeFilesAtomically } from '@collabopt/core';
import {
  renderReport,
  reportFormatOf,
  type ReportModel,
  type RunMetadata,
} from '@collabopt/report';

/**
 * Write a report: the HTML page for `.html`, the model as JSON for `.json`; atomically, and never
 * over one of the command's inputs (`protect`).
 */
export async function writeReportFile(
  file: string,
  model: ReportModel,
  protect: readonly string[] = [],
): Promise<void> {
  const text = await renderReport(model, reportFormatOf(file));
  const dir = path.dirname(path.resolve(file));
  await fs.mkdir(dir, { recursive: true });
  await writeFilesAtomically(
    dir,
    [{ path: path.basename(file), bytes: new TextEncoder().encode(text) }],
    protect,
  );
}

/** `--report-layer node` or `node/slot` (slot defaults to `kernel`): the kernel the density plots show. */
export function reportKernel(
  value: string | undefined,
): { node: string; slot: string } | undefined {
  if (value === undefined) return undefined;
  const [node, slot = 'kernel', ...rest] = value.split('/');
  if (!node || rest.length > 0)
    throw new InvalidArgumentError(
      `--report-layer must be "layer" or "layer/weight" (e.g. dense1/kernel), got "${value}"`,
      { field: '--report-layer' },
    );
  return { node, slot };
}

function cliVersion(): string {
  try {
    const manifest = JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));
    return String(manifest.version);
  } catch {
    return 'unknown';
  }
}

/** Run metadata every report carries: versions, time, and the given facts of the run. */
export function runMetadata(facts: RunMetadata): RunMetadata {
  return {
    ...facts,
    versions: { collabopt: cliVersion(), node: process.version, ...facts.versions },
    createdAt: new Date().toISOString(),
  };
}
