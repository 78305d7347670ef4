import * as path from 'node:path';
import {
  createConsoleLogger,
  formatSummary,
  graphQuantizationMode,
  readModel,
  summarize,
} from '@collabopt/core';
import { buildReportModel } from '@collabopt/report';
import { print, type CliIo } from '../io';
import { reportKernel, runMetadata, writeReportFile } from '../report-file';

export interface InspectOptions {
  /** Also write the report (`.html` page or `.json` model). */
  report?: string;
  /** `layer` or `layer/weight` whose values the density plot shows (default: the largest kernel). */
  reportLayer?: string;
}

/** `collabopt inspect <model>`: the per-layer summary of any readable model. */
export async function inspectCommand(
  file: string,
  io: CliIo,
  options: InspectOptions = {},
): Promise<void> {
  const graph = await readModel(file, { logger: createConsoleLogger('info', io.stderr) });
  print(
    io,
    `${file}: ${graph.metadata['sourceFormat'] ?? 'model'} "${graph.name}", ${graph.nodes.length} nodes`,
  );
  const mode = graphQuantizationMode(graph.metadata);
  if (mode) print(io, `quantization: ${mode}`);
  print(io, formatSummary(summarize(graph)));
  if (options.report) {
    const kernel = reportKernel(options.reportLayer);
    const layerArg = options.reportLayer ? ` --report-layer ${options.reportLayer}` : '';
    const model = buildReportModel({
      title: `${path.basename(file)}: ${graph.name}`,
      metadata: runMetadata({
        command: 'inspect',
        model: file,
        reproduce: `collabopt inspect ${file} --report ${options.report}${layerArg}`,
      }),
      layers: [{ id: 'model', label: graph.name, graph }],
      density: {
        stages: [{ id: 'model', label: path.basename(file), graph }],
        ...(kernel ? { kernel } : {}),
      },
    });
    await writeReportFile(options.report, model, [file]);
    print(io, `report written to ${options.report}`);
  }
}
