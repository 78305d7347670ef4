import {
  CancelledError,
  InvalidArgumentError,
  ShapeError,
  UnsupportedError,
  createConsoleLogger,
  createRng,
  defaultOpRegistry,
  shuffledIndices,
  silentProgress,
  sizeOf,
  tensor as coreTensor,
  throwIfCancelled,
  type Graph,
  type Logger,
  type OpRegistry,
  type ProgressReporter,
  type Tensor,
} from '@collabopt/core';
import {
  activateBackend,
  chooseBackend,
  reportBackendOnce,
  type BackendName,
  type BackendOptions,
} from './backend';
import { builtinKernels } from './builtin-kernels';
import { CompiledGraph } from './compile';
import { batches, checkDataset, type Dataset } from './data/dataset';
import { FlatAdamOptimizer } from './flat-adam';
import type { KernelRegistry } from './kernel-registry';
import { crossEntropyPerSample, meanCrossEntropy } from './loss';
import { ParameterSet } from './parameters';
import { tf } from './tf';
import type { ActivationTransform, StepInfo, WeightTransform } from './transforms';

export interface EngineOptions extends BackendOptions {
  /** Force a backend (else COLLABOPT_BACKEND, else tfjs-node → wasm → cpu). */
  backend?: BackendName;
  /** Kernels for custom ops (default: a copy of the built-in kernel map). */
  kernels?: KernelRegistry;
  /** Op registry (default: core's default registry). */
  registry?: OpRegistry;
  /** Where the backend choice is reported (once per process); default stderr at info level. */
  logger?: Logger;
}

export interface TransformOptions {
  weightTransforms?: readonly WeightTransform[];
  activationTransforms?: readonly ActivationTransform[];
}

export interface PredictOptions extends TransformOptions {
  batchSize?: number;
}

export interface EvaluateOptions extends TransformOptions {
  batchSize?: number;
  signal?: AbortSignal;
}

export interface EvaluateResult {
  /** Mean sparse categorical cross-entropy. */
  readonly loss: number;
  /** Top-1 accuracy in [0, 1]. */
  readonly accuracy: number;
  /** confusion[trueClass][predictedClass] counts. */
  readonly confusion: number[][];
  readonly count: number;
}

export interface EpochLog {
  readonly epoch: number;
  readonly loss: number;
  readonly accuracy: number;
  readonly samplesPerSecond: number;
  readonly seconds: number;
  readonly valLoss?: number;
  readonly valAccuracy?: number;
}

export interface FitCallbacks {
  onEpochEnd?(log: EpochLog): void | Promise<void>;
  onStepEnd?(info: StepInfo): void | Promise<void>;
}

export interface FitOptions extends TransformOptions {
  epochs: number;
  batchSize: number;
  optimizer?: 'adam' | 'sgd';
  /** Default 1e-3 (Adam) / 1e-2 (SGD). */
  learningRate?: number;
  /** SGD momentum (default 0). */
  momentum?: number;
  /** Shuffling and dropout seed (default 0). */
  seed?: number;
  /** Evaluated (inference mode) after each epoch. */
  validation?: Dataset;
  progress?: ProgressReporter;
  /** Progress label (default `train`; passes say `fine-tune`, and the pass manager prefixes the pass name). */
  label?: string;
  signal?: AbortSignal;
  callbacks?: FitCallbacks;
  /** Stop after this many optimizer steps in total (quick fine-tuning). */
  maxSteps?: number;
}

export interface FitResult {
  readonly history: EpochLog[];
  readonly steps: number;
}

export { crossEntropyPerSample } from './loss';

const INFERENCE: StepInfo = { step: 0, epoch: 0, training: false };

/** Runs and trains IR graphs on one TF.js backend. */
export class Engine {
  private readonly compiled = new WeakMap<Graph, { version: number; compiled: CompiledGraph }>();

  constructor(
    readonly backend: BackendName,
    /** Why this backend was chosen. */
    readonly backendReason: string,
    readonly kernels: KernelRegistry,
    readonly registry: OpRegistry,
  ) {}

  /** The graph compiled into a TF.js function (cached until the graph changes). */
  compile(graph: Graph): CompiledGraph {
    const hit = this.compiled.get(graph);
    if (hit !== undefined && hit.version === graph.version) return hit.compiled;
    const compiled = new CompiledGraph(graph, this.registry, this.kernels);
    this.compiled.set(graph, { version: graph.version, compiled });
    return compiled;
  }

  private async activate(): Promise<void> {
    await activateBackend(this.backend);
  }

  /** Run the graph on `inputs` (batch first) in inference mode; returns one tensor per graph output. */
  async predict(
    graph: Graph,
    inputs: readonly Tensor[],
    options: PredictOptions = {},
  ): Promise<Tensor[]> {
    await this.activate();
    const compiled = this.compile(graph);
    if (inputs.length !== compiled.inputs.length) {
      throw new InvalidArgumentError(
        `graph "${graph.name}" has ${compiled.inputs.length} inputs, got ${inputs.length}`,
      );
    }
    const floats = inputs.map((t, i) => {
      const v = compiled.inputs[i]!;
      checkSampleShape(v.shape, t.shape.slice(1), v.name);
      if (t.dtype !== 'float32')
        throw new UnsupportedError(`input "${v.name}" must be float32, got ${t.dtype}`);
      return t.data as Float32Array;
    });
    const count = inputs[0]?.shape[0] ?? 0;
    if (inputs.some((t) => t.shape[0] !== count))
      throw new InvalidArgumentError('all inputs must have the same batch size');
    const batchSize = options.batchSize ?? 256;
    const params = new ParameterSet(graph, this.registry, { ...options, trainable: false });
    try {
      const chunks: Float32Array[][] = compiled.outputs.map(() => []);
      let outShapes: number[][] = [];
      for (let start = 0; start < count; start += batchSize) {
        const size = Math.min(batchSize, count - start);
        const outs = tf.tidy(() => {
          const xs = inputs.map((t, i) => {
            const per = sizeOf(t.shape.slice(1));
            return tf.tensor(
              floats[i]!.subarray(start * per, (start + size) * per),
              [size, ...t.shape.slice(1)],
              'float32',
            );
          });
          return compiled.run(xs, {
            training: false,
            info: INFERENCE,
            params: params.effective(INFERENCE),
            activationTransforms: params.activations,
          });
        });
        outShapes = outs.map((o) => o.shape.slice(1));
        for (let i = 0; i < outs.length; i++)
          chunks[i]!.push((await outs[i]!.data()) as Float32Array);
        tf.dispose(outs);
      }
      return chunks.map((parts, i) => {
        const data = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
        let off = 0;
        for (const p of parts) {
          data.set(p, off);
          off += p.length;
        }
        return coreTensor(
          'float32',
          [count, ...(outShapes[i] ?? compiled.outputs[i]!.shape!.slice(1))],
          data,
        );
      });
    } finally {
      params.dispose();
    }
  }

  /** Loss, top-1 accuracy and confusion matrix of a classifier on a data set (inference mode). */
  async evaluate(
    graph: Graph,
    data: Dataset,
    options: EvaluateOptions = {},
  ): Promise<EvaluateResult> {
    await this.activate();
    const compiled = this.compile(graph);
    const params = new ParameterSet(graph, this.registry, { ...options, trainable: false });
    try {
      return await this.evaluateWith(
        compiled,
        params,
        data,
        options.batchSize ?? 256,
        options.signal,
      );
    } finally {
      params.dispose();
    }
  }

  private async evaluateWith(
    compiled: CompiledGraph,
    params: ParameterSet,
    data: Dataset,
    batchSize: number,
    signal: AbortSignal | undefined,
  ): Promise<EvaluateResult> {
    const numClasses = classifierClasses(compiled);
    checkDataset(data, numClasses);
    checkSampleShape(compiled.inputs[0]!.shape, data.sampleShape, compiled.inputs[0]!.name);
    const confusion = Array.from({ length: numClasses }, () =>
      new Array<number>(numClasses).fill(0),
    );
    let lossSum = 0;
    let correct = 0;
    for (const batch of batches(data, batchSize)) {
      throwIfCancelled(signal, 'evaluation');
      const [lossT, predT] = tf.tidy(() => {
        const x = tf.tensor(batch.x, [batch.size, ...data.sampleShape], 'float32');
        const logits = compiled.run([x], {
          training: false,
          info: INFERENCE,
          params: params.effective(INFERENCE),
          activationTransforms: params.activations,
          logits: true,
        })[0]!;
        const y = tf.tensor1d(batch.y, 'int32');
        return [tf.sum(crossEntropyPerSample(logits, y, numClasses)), tf.argMax(logits, -1)];
      });
      lossSum += (await lossT.data())[0]!;
      const pred = await predT.data();
      tf.dispose([lossT, predT]);
      for (let i = 0; i < batch.size; i++) {
        const t = batch.y[i]!;
        const p = pred[i]!;
        confusion[t]![p]!++;
        if (t === p) correct++;
      }
    }
    return {
      loss: lossSum / data.count,
      accuracy: correct / data.count,
      confusion,
      count: data.count,
    };
  }

  /**
   * Train the graph's float weights in place (sparse categorical cross-entropy on the logits),
   * then write the effective weights and the transforms' annotations back into the IR.
   */
  async fit(graph: Graph, data: Dataset, options: FitOptions): Promise<FitResult> {
    await this.activate();
    const { epochs, batchSize } = options;
    if (!Number.isInteger(epochs) || epochs < 0)
      throw new InvalidArgumentError(`epochs must be a non-negative integer, got ${epochs}`);
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new InvalidArgumentError(`batchSize must be a positive integer, got ${batchSize}`);
    const compiled = this.compile(graph);
    const numClasses = classifierClasses(compiled);
    checkDataset(data, numClasses);
    checkSampleShape(compiled.inputs[0]!.shape, data.sampleShape, compiled.inputs[0]!.name);
    if (options.validation !== undefined) checkDataset(options.validation, numClasses);
    const kind = options.optimizer ?? 'adam';
    const lr = options.learningRate ?? (kind === 'adam' ? 1e-3 : 1e-2);
    const seed = options.seed ?? 0;
    const rng = createRng(seed);
    const progress = (options.progress ?? silentProgress).start(
      options.label ?? 'train',
      epochs,
      epochs === 1 ? ' epoch' : ' epochs',
    );
    const history: EpochLog[] = [];
    const startTensors = tf.memory().numTensors;
    const params = new ParameterSet(graph, this.registry, { ...options, trainable: true });
    const optimizer =
      kind === 'adam'
        ? new FlatAdamOptimizer(lr, 0.9, 0.999, 1e-7)
        : (options.momentum ?? 0) > 0
          ? tf.train.momentum(lr, options.momentum!)
          : tf.train.sgd(lr);
    let step = 0;
    let lossSum: tf.Tensor | undefined;
    let correctSum: tf.Tensor | undefined;
    try {
      const vars = params.trainableVariables();
      const stepsPerEpoch = Math.ceil(data.count / batchSize);
      const totalSteps = Math.min(epochs * stepsPerEpoch, options.maxSteps ?? Infinity);
      const t0 = Date.now();
      for (let epoch = 0; epoch < epochs && step < totalSteps; epoch++) {
        const tEpoch = Date.now();
        const order = shuffledIndices(data.count, rng);
        lossSum = tf.scalar(0);
        correctSum = tf.scalar(0, 'int32');
        let seen = 0;
        for (const batch of batches(data, batchSize, order)) {
          if (step >= totalSteps) break;
          throwIfCancelled(options.signal, 'training');
          step++;
          const info: StepInfo = { step, epoch, training: true };
          const stepSeed = rng.int(0x7fffffff);
          const x = tf.tensor(batch.x, [batch.size, ...data.sampleShape], 'float32');
          const y = tf.tensor1d(batch.y, 'int32');
          const stateUpdates: {
            node: Parameters<ParameterSet['assignState']>[0];
            slot: string;
            value: tf.Tensor;
          }[] = [];
          let correct: tf.Tensor | undefined;
          const loss = optimizer.minimize(
            () => {
              const logits = compiled.run([x], {
                training: true,
                info,
                seed: stepSeed,
                params: params.effective(info),
                activationTransforms: params.activations,
                onStateUpdate: (node, slot, value) =>
                  stateUpdates.push({ node, slot, value: tf.keep(value) }),
                logits: true,
              })[0]!;
              correct = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, -1), y), 'int32')));
              return meanCrossEntropy(logits, y, numClasses);
            },
            true,
            vars,
          )!;
          for (const u of stateUpdates) params.assignState(u.node, u.slot, u.value);
          const newLoss = tf.tidy(() => tf.add(lossSum!, tf.mul(loss, batch.size)));
          const newCorrect: tf.Tensor = tf.add(correctSum!, correct!);
          tf.dispose([lossSum, correctSum, loss, correct!, x, y]);
          lossSum = newLoss;
          correctSum = newCorrect;
          seen += batch.size;
          params.afterStep(info);
          await options.callbacks?.onStepEnd?.(info);
        }
        const lossMean = (await lossSum!.data())[0]! / Math.max(1, seen);
        const acc = (await correctSum!.data())[0]! / Math.max(1, seen);
        tf.dispose([lossSum!, correctSum!]);
        lossSum = correctSum = undefined;
        params.afterEpoch({ step, epoch, training: true });
        const seconds = (Date.now() - tEpoch) / 1000;
        let log: EpochLog = {
          epoch,
          loss: lossMean,
          accuracy: acc,
          samplesPerSecond: seen / Math.max(seconds, 1e-9),
          seconds,
        };
        if (options.validation !== undefined) {
          const v = await this.evaluateWith(
            compiled,
            params,
            options.validation,
            Math.max(batchSize, 256),
            options.signal,
          );
          log = { ...log, valLoss: v.loss, valAccuracy: v.accuracy };
        }
        history.push(log);
        const elapsed = (Date.now() - t0) / 1000;
        const eta = (elapsed / step) * (totalSteps - step);
        progress.update(epoch + 1, {
          loss: log.loss,
          accuracy: log.accuracy,
          'samples/s': Math.round(log.samplesPerSecond),
          eta: `${Math.round(eta)}s`,
          ...(log.valAccuracy !== undefined ? { valAccuracy: log.valAccuracy } : {}),
        });
        await options.callbacks?.onEpochEnd?.(log);
      }
      params.writeBack({ step, epoch: Math.max(0, history.length - 1), training: false });
      progress.finish(
        history.length > 0
          ? {
              loss: history[history.length - 1]!.loss,
              accuracy: history[history.length - 1]!.accuracy,
            }
          : {},
      );
    } catch (e) {
      if (e instanceof CancelledError) progress.finish({ cancelled: 'yes' });
      throw e;
    } finally {
      tf.dispose([lossSum, correctSum].filter((t): t is tf.Tensor => t !== undefined));
      optimizer.dispose();
      params.dispose();
      const leaked = tf.memory().numTensors - startTensors;
      if (leaked > 0) {
        // Not fatal, but worth knowing: transforms must dispose what they create.
        process.emitWarning(`collabopt engine: fit left ${leaked} tensors allocated`);
      }
    }
    return { history, steps: step };
  }
}

function classifierClasses(compiled: CompiledGraph): number {
  const v = compiled.logitsValue;
  const shape = v?.shape;
  if (v === undefined || shape === undefined || shape.length !== 2 || !(shape[1]! > 0)) {
    throw new ShapeError(
      `training and evaluation need a classifier with one output of shape [batch, classes]; got ${compiled.outputs.length} outputs${shape ? ` of shape [${shape.join(', ')}]` : ''}`,
    );
  }
  return shape[1]!;
}

function checkSampleShape(
  declared: readonly number[] | undefined,
  given: readonly number[],
  input: string,
): void {
  if (declared === undefined) return;
  const sample = declared.slice(1);
  const ok = sample.length === given.length && sample.every((d, i) => d < 0 || d === given[i]);
  if (!ok) {
    throw new ShapeError(
      `input "${input}" expects samples of [${sample.join(', ')}], got [${given.join(', ')}]`,
      { field: input },
    );
  }
}

/** Create an engine on the best available backend (or the requested one). */
export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
  const choice = await chooseBackend(options.backend, { wasmThreads: options.wasmThreads });
  reportBackendOnce(choice, options.logger ?? createConsoleLogger('info'));
  return new Engine(
    choice.backend,
    choice.reason,
    options.kernels ?? builtinKernels(),
    options.registry ?? defaultOpRegistry,
  );
}
