import * as path from 'node:path';
import { createConsoleLogger, formatTable } from '@collabopt/core';
import {
  runSensitivity,
  sensitivityColumn,
  type LayerSensitivity,
  type SensitivityProbe,
  type SensitivityReport,
} from '@collabopt/preserve';
import { buildReportModel } from '@collabopt/report';
import { print, type CliIo } from '../io';
import { runMetadata, writeReportFile } from '../report-file';
import { prepareTreeBaseline, type TreeBaselineOptions } from './tree-baseline';

export interface SensitivityCommandOptions extends Omit<TreeBaselineOptions, 'output'> {
  /** `--report x.json|x.html`: the per-layer table with its sensitivity column (int8 drop). */
  report?: string;
}

const PROBE_HEADERS: Record<SensitivityProbe, string> = {
  int8: 'int8 PTQ',
  int4: 'int4 PTQ',
  prune50: 'pruned 50%',
  cluster16: '16 clusters',
};

const points = (x: number | null | undefined): string =>
  x === null || x === undefined ? 'failed' : x.toFixed(2);

/** The sensitivity table: one row per layer, the drop in points per probe. */
export function formatSensitivityTable(report: SensitivityReport): string {
  return formatTable(
    ['layer', 'op', 'params', ...report.probes.map((p) => `${PROBE_HEADERS[p]} drop`)],
    report.layers.map((l: LayerSensitivity) => [
      l.layer,
      l.op,
      String(l.params),
      ...report.probes.map((p) => points(l.drop[p])),
    ]),
  );
}

/**
 * `collabopt sensitivity [<model>] --data …`: @collabopt/preserve's `runSensitivity` on the model
 * (or the built-in demo's reference CNN trained on the data); prints the per-layer table and writes
 * the report when asked. Parses, prints, writes.
 */
export async function sensitivityCommand(
  input: string | undefined,
  options: SensitivityCommandOptions,
  io: CliIo,
): Promise<SensitivityReport> {
  const output = options.report ? path.dirname(path.resolve(options.report)) : '.';
  const { baseline, data, engine } = await prepareTreeBaseline(
    input,
    { ...options, output },
    io,
    'sensitivity',
  );
  const metricName = data.labelled ? 'accuracy' : 'agreement with the float model';
  print(io, `per-layer sensitivity: drop of ${metricName} in points when only that layer changes`);
  const report = await runSensitivity(baseline, {
    engine,
    data: {
      train: data.train,
      test: data.test,
      ...(data.calibration ? { calibration: data.calibration } : {}),
    },
    seed: options.seed,
    signal: io.signal,
    logger: createConsoleLogger('warn', io.stderr),
    onLayer: (l) =>
      print(
        io,
        `  ${l.layer}: ${dropsInline(l)}${
          l.errors
            ? ` (failed: ${Object.entries(l.errors)
                .map(([p, m]) => `${p}: ${m}`)
                .join('; ')})`
            : ''
        }`,
      ),
  });
  print(
    io,
    `baseline ${report.kind} ${(report.baseline * 100).toFixed(2)}% on ${report.samples} samples`,
  );
  print(io, formatSensitivityTable(report));
  print(io, `${report.layers.length} layers in ${report.seconds.toFixed(1)} s`);
  if (options.report) {
    await writeReportFile(
      options.report,
      buildReportModel({
        title: `collabopt sensitivity ${input ?? `(reference CNN on ${data.name})`}`,
        metadata: runMetadata({
          command: 'sensitivity',
          ...(input ? { model: input } : {}),
          dataSet: data.name,
          preprocessing: data.preprocess,
          backend: engine.backend,
          seed: options.seed,
          reproduce: `collabopt sensitivity${input ? ` ${input}` : ''} --data ${data.name} --seed ${options.seed} --report ${options.report}`,
        }),
        baseline: { label: input ?? 'reference CNN', accuracy: report.baseline },
        layers: [
          {
            id: 'baseline',
            label: 'baseline (sensitivity: int8 PTQ of that layer alone, drop)',
            graph: baseline,
            options: { sensitivity: sensitivityColumn(report, 'int8') },
          },
        ],
      }),
      input ? [input] : [],
    );
    print(io, `report in ${options.report}`);
  }
  return report;
}

function dropsInline(l: LayerSensitivity): string {
  return Object.entries(l.drop)
    .map(([p, d]) => `${p} ${points(d)}`)
    .join(', ');
}
