import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import {
  PassManager,
  SOURCE_FILES_KEY,
  createConsoleLogger,
  createStreamProgress,
  deflatedSize,
  readModel,
  throwIfCancelled,
  writeFilesAtomically,
  type PassRecord,
} from '@collabopt/core';
import { getEngine } from '@collabopt/engine';
import {
  kernelFigures,
  prepareOutput,
  type KernelFigures,
  type LegalizationStep,
} from '@collabopt/preserve';
import { contextData, loadDataSets } from '../data-sets';
import { print, type CliIo } from '../io';
import { reportKernel, runMetadata, writeReportFile } from '../report-file';
import { measureAgreement, type OptimizeAgreement } from '../optimize-quality';
import { trainingBatchOf } from '../training-batch';
import {
  StageRecorder,
  formatPassRecords,
  optimizeReportModel,
  reportFormatOf,
} from '@collabopt/report';

export interface OptimizeOptions {
  pipeline: string;
  output: string;
  data?: string;
  labels?: string;
  preprocess?: string;
  /** `--validation-split`: fraction of a user's data held out for the figures (default 0.2). */
  validationSplit?: number;
  inputShapes?: Record<string, number[]>;
  seed: number;
  format?: string;
  /** Write the run's report here: `.json` this command's report, `.html` the report page. */
  report?: string;
  /** `layer` or `layer/weight` whose values the HTML report's density plots show. */
  reportLayer?: string;
}

/** `optimize --report`: plain JSON. */
export interface OptimizeReport {
  readonly input: string;
  readonly output: string;
  readonly pipeline: string;
  readonly data: {
    readonly name: string;
    readonly preprocess: string;
    readonly labelled: boolean;
    /** Fraction of a user's data held out for the figures (absent: the data's own test part). */
    readonly validationSplit?: number;
  };
  readonly legalization: readonly LegalizationStep[];
  readonly passes: readonly PassRecord[];
  readonly accuracy: {
    readonly before: number;
    readonly after: number;
    readonly samples: number;
  } | null;
  /** Without labels: agreement with the input model on the held-out data (null without data). */
  readonly agreement: OptimizeAgreement | null;
  readonly kernels: KernelFigures;
  readonly files: readonly { path: string; bytes: number }[];
  readonly bytes: number;
  readonly deflatedBytes: number;
  readonly warnings: readonly string[];
}

function trainingBatchRequest(pipeline: string): { trainingBatch?: number } {
  const batch = trainingBatchOf([pipeline]);
  return batch !== undefined ? { trainingBatch: batch } : {};
}

/** `collabopt optimize <in> -o <out> -p "<pipeline>"`: run a text pipeline and write the result. */
export async function optimizeCommand(
  input: string,
  options: OptimizeOptions,
  io: CliIo,
): Promise<OptimizeReport> {
  const logger = createConsoleLogger('info', io.stderr);
  const graph = await readModel(input, {
    logger,
    ...(options.inputShapes ? { inputShapes: options.inputShapes } : {}),
  });
  const { format, steps } = await prepareOutput(graph, options.output, {
    pipeline: options.pipeline,
    ...(options.format ? { format: options.format } : {}),
  });
  for (const s of steps) io.stderr.write(`legalize: ${s.detail}\n`);
  const data = await loadDataSets({
    ...(options.data !== undefined ? { data: options.data } : {}),
    ...(options.labels !== undefined ? { labels: options.labels } : {}),
    ...(options.preprocess !== undefined ? { preprocess: options.preprocess } : {}),
    ...(options.validationSplit !== undefined ? { validationSplit: options.validationSplit } : {}),
    ...trainingBatchRequest(options.pipeline),
    seed: options.seed,
    inputShape: graph.inputs[0]?.shape ?? [],
  });
  const engine = await getEngine();
  const started = performance.now();
  const html = options.report !== undefined && reportFormatOf(options.report) === 'html';
  const stages = html ? new StageRecorder({ label: 'input', graph }) : undefined;
  const pm = new PassManager({
    logger,
    progress: createStreamProgress(io.stderr),
    seed: options.seed,
    signal: io.signal,
    data: contextData(data),
    engine,
    ...(stages ? { instruments: [stages] } : {}),
  }).addPipeline(options.pipeline);
  // Accuracy needs labels; without them the passes distil from the float model (their teacher)
  // and the result is measured by its agreement with it.
  const labelledTest = data.labelled ? data.test : undefined;
  const teacher = labelledTest === undefined && data.test ? graph.clone() : undefined;
  const before = labelledTest
    ? await engine.evaluate(graph, labelledTest, { signal: io.signal })
    : undefined;
  const result = await pm.run(graph);
  let accuracy: OptimizeReport['accuracy'] = null;
  if (labelledTest && before?.accuracy !== undefined) {
    const after = await engine.evaluate(result.graph, labelledTest, { signal: io.signal });
    if (after.accuracy !== undefined)
      accuracy = { before: before.accuracy, after: after.accuracy, samples: labelledTest.count };
  }
  const measured =
    teacher && data.test
      ? await measureAgreement(engine, teacher, result.graph, data.test, io.signal)
      : undefined;
  // The pass manager's logger printed each warning once, when it happened (result.warnings keeps
  // them for the report).
  // Serialised once: these bytes are written and measured for the report. The main file is
  // committed last, after its weight shards / external data (as writeModel does).
  const files = await format.write!(result.graph, { fileName: path.basename(options.output) });
  const dir = path.dirname(options.output);
  throwIfCancelled(io.signal, 'optimize');
  await writeFilesAtomically(
    dir,
    [...files.slice(1), ...files.slice(0, 1)],
    (graph.metadata[SOURCE_FILES_KEY] as string[] | undefined) ?? [],
  );
  const report: OptimizeReport = {
    input,
    output: options.output,
    pipeline: options.pipeline,
    data: {
      name: data.name,
      preprocess: data.preprocess,
      labelled: data.labelled,
      ...(data.validationSplit !== undefined ? { validationSplit: data.validationSplit } : {}),
    },
    legalization: steps,
    passes: result.records,
    accuracy,
    agreement: measured?.agreement ?? null,
    kernels: kernelFigures(result.graph),
    files: files.map((f) => ({ path: f.path, bytes: f.bytes.length })),
    bytes: files.reduce((s, f) => s + f.bytes.length, 0),
    deflatedBytes: files.reduce((s, f) => s + deflatedSize(f.bytes), 0),
    warnings: result.warnings,
  };
  // The table ends with the real size of the written file(s), next to the passes' IR estimates.
  print(
    io,
    formatPassRecords(result.records, {
      label: files.map((f) => f.path).join(' + '),
      bytes: report.bytes,
      deflatedBytes: report.deflatedBytes,
    }),
  );
  if (accuracy)
    print(
      io,
      `test accuracy (${data.name}, float IR): before ${(accuracy.before * 100).toFixed(2)}%, after ${(accuracy.after * 100).toFixed(2)}%`,
    );
  for (const line of measured?.printed ?? []) print(io, line);
  print(io, `wrote ${files.map((f) => path.join(dir, f.path)).join(', ')}`);
  if (options.report && stages) {
    const kernel = reportKernel(options.reportLayer);
    await writeReportFile(
      options.report,
      optimizeReportModel({
        input,
        output: options.output,
        pipeline: options.pipeline,
        graph: result.graph,
        stages,
        ...(accuracy ? { accuracyBefore: accuracy.before, accuracyAfter: accuracy.after } : {}),
        ...(report.agreement ? { agreement: report.agreement } : {}),
        kernel: report.kernels,
        rawBytes: report.bytes,
        zippedBytes: report.deflatedBytes,
        wallTimeMs: performance.now() - started,
        ...(kernel ? { densityKernel: kernel } : {}),
        metadata: runMetadata({
          command: 'optimize',
          model: input,
          dataSet: data.name,
          preprocessing: data.preprocess,
          backend: engine.backend,
          seed: options.seed,
          reproduce: `collabopt optimize ${input} -o ${options.output} -p "${options.pipeline}" --data ${data.name}${data.labelled ? '' : ' --labels none'}${data.validationSplit !== undefined ? ` --validation-split ${data.validationSplit}` : ''} --seed ${options.seed}${options.format ? ` --format ${options.format}` : ''} --report ${options.report}`,
        }),
      }),
      [input, ...((graph.metadata[SOURCE_FILES_KEY] as string[] | undefined) ?? [])],
    );
    print(io, `report: ${options.report}`);
  } else if (options.report) {
    await fs.writeFile(options.report, `${JSON.stringify(report, null, 2)}\n`);
    print(io, `report: ${options.report}`);
  }
  return report;
}
