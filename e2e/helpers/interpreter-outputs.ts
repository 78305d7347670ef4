/**
 * Compare TFLite files on the same inputs in TensorFlow's interpreter: the samples of a data set
 * as the interpreter takes them (batch 1), and each file's outputs gathered per model output.
 */
import { readBatches, type DataSource } from '@collabopt/engine';
import { outputsOf, runTfInterpreter, type SampleInput } from '../format-tflite/runtimes';

/** Every sample of `source` as one interpreter invocation: a single input of shape [1, …]. */
export async function interpreterSamples(source: DataSource): Promise<SampleInput[][]> {
  const out: SampleInput[][] = [];
  for await (const b of readBatches(source, 8)) {
    const per = b.x.length / b.size;
    for (let i = 0; i < b.size; i++)
      out.push([{ data: b.x.subarray(i * per, (i + 1) * per), shape: [1, ...source.sampleShape] }]);
  }
  return out;
}

/**
 * Run the named files on `samples` in one interpreter process; for each, its outputs by model
 * output, all samples concatenated (`result[name][output]`). A file the interpreter refuses fails
 * with its name and the interpreter's message.
 */
export function interpreterOutputs<Name extends string>(
  files: Readonly<Record<Name, Uint8Array>>,
  samples: SampleInput[][],
): Record<Name, number[][]> {
  const names = Object.keys(files) as Name[];
  const runs = runTfInterpreter(names.map((name) => ({ model: files[name], samples })));
  const outputs = names.map((name, f) => {
    const perSample = outputsOf(runs[f], name);
    return [name, perSample[0]!.map((_, o) => perSample.flatMap((s) => s[o]!.data))] as const;
  });
  return Object.fromEntries(outputs) as Record<Name, number[][]>;
}
