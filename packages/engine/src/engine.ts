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
  type Value,
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
import { checkDataset, type Dataset } from './data/dataset';
import { DataError } from './data/data-error';
import {
  dataSourceFromDataset,
  isDataSource,
  readBatches,
  type DataSource,
} from './data/data-source';
import { FlatAdamOptimizer } from './flat-adam';
import type { KernelRegistry } from './kernel-registry';
import { OutputAgreementAccumulator, type OutputAgreementValues } from './metrics';
import { ParameterSet } from './parameters';
import { tf } from './tf';
import {
  StepGraphCache,
  TfjsNodeGraphStep,
  graphStepDefault,
  type StepOutputs,
} from './tfjs-node-graph-step';
import { TrainingObjective, type BatchLabels } from './training-objective';
import {
  outputHeads,
  resolveTrainingLoss,
  type OutputHead,
  type TrainingLossOptions,
} from './training-loss';
import type { ActivationTransform, StepInfo, WeightTransform } from './transforms';
import { yieldToEventLoop } from './yield-to-event-loop';

export interface EngineOptions extends BackendOptions {
  /** Force a backend (else COLLABOPT_BACKEND, else tfjs-node → wasm → cpu). */
  backend?: BackendName;
  /** Kernels for custom ops (default: a copy of the built-in kernel map). */
  kernels?: KernelRegistry;
  /** Op registry (default: core's default registry). */
  registry?: OpRegistry;
  /**
   * Run each training step on tfjs-node as one TensorFlow graph instead of op by op (default on;
   * `COLLABOPT_GRAPH_STEP=0` turns it off). Results are the same to float round-off.
   */
  graphStep?: boolean;
  /** Where the backend choice is reported (once per process); default stderr at info level. */
  logger?: Logger;
}

export interface TransformOptions {
  weightTransforms?: readonly WeightTransform[];
  activationTransforms?: readonly ActivationTransform[];
}

export interface PredictOptions extends TransformOptions {
  batchSize?: number;
  /** Checked between batches (the loop yields to the event loop every batch). */
  signal?: AbortSignal;
}

export interface EvaluateOptions extends TransformOptions {
  batchSize?: number;
  signal?: AbortSignal;
  /**
   * The float model to compare with (the graph before the pipeline): adds top-1 agreement,
   * SQNR and max relative error per output. Needed for data without labels.
   */
  teacher?: Graph;
  /** Label loss for dense labels (default chosen from the head and the labels). */
  loss?: TrainingLossOptions['loss'];
}

/** How one output agrees with the float model's over a data set. */
export interface OutputAgreement extends OutputAgreementValues {
  readonly output: string;
  readonly head: OutputHead;
}

/** The metric that sums an evaluation up (the one a report's table shows). */
export interface HeadlineMetric {
  /** `accuracy` (labels), `top1Agreement` (classifier vs float), `sqnrDb` (lowest over outputs). */
  readonly name: 'accuracy' | 'top1Agreement' | 'sqnrDb' | 'loss';
  readonly value: number;
}

/**
 * What `evaluate` measured, as plain data (printable, JSON-serialisable except for ±Infinity SQNR
 * of identical outputs): label metrics when the data has labels, agreement with the float model
 * when a teacher was given.
 */
export interface EvaluateResult {
  readonly count: number;
  /** Mean label loss (labels only). */
  readonly loss?: number;
  /** Top-1 accuracy in [0, 1] (class labels only). */
  readonly accuracy?: number;
  /** confusion[trueClass][predictedClass] counts (class labels only). */
  readonly confusion?: number[][];
  /** Per output, agreement with the teacher (when one was given). */
  readonly agreement?: readonly OutputAgreement[];
  readonly metric: HeadlineMetric;
}

/** The evaluation of a labelled classification data set: loss and accuracy are always there. */
export interface ClassifierEvaluation extends EvaluateResult {
  readonly loss: number;
  readonly accuracy: number;
  readonly confusion: number[][];
}

export interface EpochLog {
  readonly epoch: number;
  readonly loss: number;
  /** Top-1 accuracy on the training batches (NaN without class labels). */
  readonly accuracy: number;
  readonly samplesPerSecond: number;
  readonly seconds: number;
  readonly valLoss?: number;
  readonly valAccuracy?: number;
  /** The validation's headline metric (also for unlabelled data, against the teacher). */
  readonly valMetric?: HeadlineMetric;
}

export interface FitCallbacks {
  onEpochEnd?(log: EpochLog): void | Promise<void>;
  onStepEnd?(info: StepInfo): void | Promise<void>;
}

export interface FitOptions extends TransformOptions, TrainingLossOptions {
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
  validation?: Dataset | DataSource;
  /**
   * The float model before the pipeline: the teacher of distillation (the default loss for data
   * without labels; see `distill`). Same inputs and outputs as the trained graph.
   */
  teacher?: Graph;
  progress?: ProgressReporter;
  /** Progress label (default `train`; passes say `fine-tune`, and the pass manager prefixes the pass name). */
  label?: string;
  /** Checked every batch (the loop yields to the event loop every batch). */
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
  /** TensorFlow graphs of training steps on tfjs-node, reused across fits (tfjs-node-graph-step.ts). */
  private readonly stepGraphs = new StepGraphCache();

  constructor(
    readonly backend: BackendName,
    /** Why this backend was chosen. */
    readonly backendReason: string,
    readonly kernels: KernelRegistry,
    readonly registry: OpRegistry,
    /** Run training steps on tfjs-node as one TensorFlow graph (tfjs-node-graph-step.ts). */
    readonly graphStep: boolean = graphStepDefault(),
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
        await yieldToEventLoop();
        throwIfCancelled(options.signal, 'prediction');
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

  /**
   * Evaluate in inference mode: with class labels, loss, top-1 accuracy and the confusion matrix;
   * with dense labels, the label loss; with a `teacher`, agreement with it per output (top-1 for
   * classifiers, SQNR and max relative error for every output).
   */
  async evaluate(
    graph: Graph,
    data: Dataset,
    options?: EvaluateOptions,
  ): Promise<ClassifierEvaluation>;
  async evaluate(
    graph: Graph,
    data: Dataset | DataSource,
    options?: EvaluateOptions,
  ): Promise<EvaluateResult>;
  async evaluate(
    graph: Graph,
    data: Dataset | DataSource,
    options: EvaluateOptions = {},
  ): Promise<EvaluateResult> {
    await this.activate();
    const compiled = this.compile(graph);
    const params = new ParameterSet(graph, this.registry, { ...options, trainable: false });
    const teacher =
      options.teacher !== undefined ? this.teacherOf(compiled, options.teacher) : undefined;
    try {
      const source = this.checkedSource(compiled, data);
      const plan = this.evaluationPlan(compiled, source, options.loss, teacher !== undefined);
      return await this.evaluateWith(compiled, params, source, plan, {
        batchSize: options.batchSize ?? 256,
        signal: options.signal,
        teacher,
      });
    } finally {
      params.dispose();
      teacher?.params.dispose();
    }
  }

  /** The teacher compiled with inference parameters, after checking it matches the student. */
  private teacherOf(student: CompiledGraph, graph: Graph): Teacher {
    const compiled = this.compile(graph);
    const same = (a: readonly Value[], b: readonly Value[]): boolean =>
      a.length === b.length &&
      a.every(
        (v, i) => JSON.stringify(v.shape?.slice(1)) === JSON.stringify(b[i]!.shape?.slice(1)),
      );
    if (!same(compiled.inputs, student.inputs) || !same(compiled.outputs, student.outputs))
      throw new ShapeError(
        `the teacher "${graph.name}" must have the same inputs and outputs as "${student.graph.name}"`,
      );
    return {
      compiled,
      params: new ParameterSet(graph, this.registry, { trainable: false }),
    };
  }

  /** The data as a source, after checking its sample shape and class labels against the model. */
  private checkedSource(compiled: CompiledGraph, data: Dataset | DataSource): DataSource {
    if (compiled.inputs.length !== 1)
      throw new UnsupportedError(
        `training and evaluation on a data set need a model with one input, "${compiled.graph.name}" has ${compiled.inputs.length}`,
      );
    const input = compiled.inputs[0]!;
    if (!isDataSource(data)) {
      if (data.count > 0) {
        const out = compiled.logitsValue?.shape;
        checkDataset(
          data,
          out !== undefined && out.length === 2 && out[1]! > 0 ? out[1] : undefined,
        );
      } else checkDataset(data);
      checkSampleShape(input.shape, data.sampleShape, input.name);
      return dataSourceFromDataset(data);
    }
    const where = data.origin !== undefined ? { file: data.origin } : {};
    if (data.count === 0)
      throw new DataError('DATA_EMPTY', `data set "${data.name}" is empty`, where);
    const declared = input.shape?.slice(1);
    if (
      declared !== undefined &&
      (declared.length !== data.sampleShape.length ||
        !declared.every((d, i) => d < 0 || d === data.sampleShape[i]))
    )
      throw new DataError(
        'DATA_SHAPE',
        `samples of [${data.sampleShape.join(', ')}] do not fit input "${input.name}" [${declared.join(', ')}]`,
        where,
      );
    const labels = data.labels;
    if (labels?.kind === 'class') {
      const classes = modelClasses(compiled);
      if (labels.numClasses !== undefined && labels.numClasses > classes)
        throw new DataError(
          'DATA_LABELS',
          `the data has ${labels.numClasses} classes (ids 0..${labels.numClasses - 1}) but the model output has ${classes}`,
          where,
        );
    } else if (labels?.kind === 'dense') {
      const out = compiled.outputs[0]!.shape?.slice(1);
      if (
        compiled.outputs.length === 1 &&
        out !== undefined &&
        sizeOf(out) !== sizeOf(labels.shape)
      )
        throw new DataError(
          'DATA_SHAPE',
          `targets of [${labels.shape.join(', ')}] do not fit the model output [${out.join(', ')}]`,
          where,
        );
    }
    return data;
  }

  /** The label loss of an evaluation (labels only) and the heads. */
  private evaluationPlan(
    compiled: CompiledGraph,
    source: DataSource,
    loss: TrainingLossOptions['loss'],
    hasTeacher: boolean,
  ): TrainingObjective {
    const heads = outputHeads(compiled.graph, this.registry);
    const labels = source.labels;
    if (labels === undefined && !hasTeacher)
      throw new InvalidArgumentError(
        `data set "${source.name}" has no labels: evaluation needs the float model as teacher to measure agreement`,
      );
    if (labels !== undefined && heads.length !== 1 && !hasTeacher)
      throw new UnsupportedError(
        `labels of a model with ${heads.length} outputs cannot be scored; evaluate against the float model (teacher)`,
      );
    const resolved =
      labels !== undefined && heads.length === 1
        ? resolveTrainingLoss({ loss: loss ?? 'auto', distill: 0 }, labels, heads, hasTeacher)
        : { labelWeight: 0, distillWeight: 1, temperature: 1 };
    return new TrainingObjective(
      resolved,
      heads,
      compiled.outputs.length === 1,
      labels?.kind === 'class' ? modelClasses(compiled) : undefined,
    );
  }

  private async evaluateWith(
    compiled: CompiledGraph,
    params: ParameterSet,
    source: DataSource,
    objective: TrainingObjective,
    run: { batchSize: number; signal: AbortSignal | undefined; teacher: Teacher | undefined },
  ): Promise<EvaluateResult> {
    const { teacher } = run;
    const classLabels = source.labels?.kind === 'class' && objective.loss.labelLoss !== undefined;
    const numClasses = classLabels ? objective.numClasses! : 0;
    const confusion = Array.from({ length: numClasses }, () =>
      new Array<number>(numClasses).fill(0),
    );
    const agreements =
      teacher === undefined
        ? undefined
        : compiled.outputs.map((v, i) => {
            const shape = v.shape;
            const classifier = objective.heads[i] === 'softmax' && shape !== undefined;
            return new OutputAgreementAccumulator(
              classifier ? shape[shape.length - 1]! : undefined,
            );
          });
    const where = source.origin !== undefined ? { file: source.origin } : {};
    let lossSum = 0;
    let correct = 0;
    let count = 0;
    const logits = objective.logits;
    for await (const batch of readBatches(source, run.batchSize)) {
      await yieldToEventLoop();
      throwIfCancelled(run.signal, 'evaluation');
      if (classLabels) checkClassIds(batch.classes!, numClasses, count, where);
      const computed = tf.tidy(() => {
        const x = tf.tensor(batch.x, [batch.size, ...source.sampleShape], 'float32');
        const outs = compiled.run([x], {
          training: false,
          info: INFERENCE,
          params: params.effective(INFERENCE),
          activationTransforms: params.activations,
          logits,
        });
        const kept: tf.Tensor[] = [];
        const labels: BatchLabels = {
          ...(batch.classes !== undefined ? { classes: tf.tensor1d(batch.classes, 'int32') } : {}),
          ...(batch.targets !== undefined ? { targets: tf.tensor(batch.targets) } : {}),
        };
        const loss =
          objective.loss.labelLoss !== undefined
            ? tf.mul(objective.labelLoss(outs, labels), batch.size)
            : tf.scalar(0);
        const pred = classLabels ? tf.argMax(outs[0]!, -1) : tf.scalar(0);
        kept.push(loss, pred);
        if (teacher !== undefined) {
          const touts = teacher.compiled.run([x], {
            training: false,
            info: INFERENCE,
            params: teacher.params.effective(INFERENCE),
            logits,
          });
          outs.forEach((_, i) => kept.push(objective.output(outs, i), objective.output(touts, i)));
        }
        return kept;
      });
      const [lossT, predT, ...pairs] = computed;
      lossSum += (await lossT!.data())[0]!;
      if (classLabels) {
        const pred = await predT!.data();
        for (let i = 0; i < batch.size; i++) {
          const t = batch.classes![i]!;
          const p = pred[i]!;
          confusion[t]![p]!++;
          if (t === p) correct++;
        }
      }
      for (let i = 0; agreements !== undefined && i < agreements.length; i++) {
        const student = (await pairs[2 * i]!.data()) as Float32Array;
        const reference = (await pairs[2 * i + 1]!.data()) as Float32Array;
        agreements[i]!.add(reference, student);
      }
      tf.dispose(computed);
      count += batch.size;
    }
    const agreement = agreements?.map((a, i): OutputAgreement => ({
      output: compiled.outputs[i]!.name,
      head: objective.heads[i]!,
      ...a.value(),
    }));
    const hasLoss = objective.loss.labelLoss !== undefined;
    const metric: HeadlineMetric = classLabels
      ? { name: 'accuracy', value: correct / count }
      : agreement !== undefined &&
          agreement.length === 1 &&
          agreement[0]!.top1Agreement !== undefined
        ? { name: 'top1Agreement', value: agreement[0]!.top1Agreement }
        : agreement !== undefined
          ? { name: 'sqnrDb', value: Math.min(...agreement.map((a) => a.sqnrDb)) }
          : { name: 'loss', value: lossSum / count };
    return {
      count,
      ...(hasLoss ? { loss: lossSum / count } : {}),
      ...(classLabels ? { accuracy: correct / count, confusion } : {}),
      ...(agreement !== undefined ? { agreement } : {}),
      metric,
    };
  }

  /**
   * Train the graph's float weights in place, then write the effective weights and the
   * transforms' annotations back into the IR. The loss is the label loss chosen from the model
   * head and the labels, distillation from `teacher` (default without labels), or a mixture
   * (`distill`); graphs with any number of outputs of any shape can be trained by distillation.
   */
  async fit(graph: Graph, data: Dataset | DataSource, options: FitOptions): Promise<FitResult> {
    await this.activate();
    const { epochs, batchSize } = options;
    if (!Number.isInteger(epochs) || epochs < 0)
      throw new InvalidArgumentError(`epochs must be a non-negative integer, got ${epochs}`);
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new InvalidArgumentError(`batchSize must be a positive integer, got ${batchSize}`);
    const compiled = this.compile(graph);
    const source = this.checkedSource(compiled, data);
    if (isDataSource(data) && source.count < batchSize)
      throw new DataError(
        'DATA_TOO_SMALL',
        `data set "${source.name}" has ${source.count} samples, fewer than one batch of ${batchSize}`,
        source.origin !== undefined ? { file: source.origin } : {},
      );
    const validation =
      options.validation !== undefined
        ? this.checkedSource(compiled, options.validation)
        : undefined;
    const heads = outputHeads(graph, this.registry);
    const resolved = resolveTrainingLoss(
      options,
      source.labels,
      heads,
      options.teacher !== undefined,
    );
    const classLabels = source.labels?.kind === 'class' && resolved.labelLoss !== undefined;
    const objective = new TrainingObjective(
      resolved,
      heads,
      compiled.outputs.length === 1,
      classLabels ? modelClasses(compiled) : undefined,
    );
    const where = source.origin !== undefined ? { file: source.origin } : {};
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
    const teacher =
      options.teacher !== undefined ? this.teacherOf(compiled, options.teacher) : undefined;
    const flatAdam = kind === 'adam' ? new FlatAdamOptimizer(lr, 0.9, 0.999, 1e-7) : undefined;
    const optimizer =
      flatAdam ??
      ((options.momentum ?? 0) > 0 ? tf.train.momentum(lr, options.momentum!) : tf.train.sgd(lr));
    // Plain training only: a transform's per-step hooks may replace tensors a recorded graph
    // would keep as constants (a new pruning mask), and the teacher's outputs are not fed yet.
    // (Not `instanceof`: TF.js's Optimizer answers it for any object with an optimizer's methods.)
    const graphStep =
      this.backend === 'tensorflow' &&
      this.graphStep &&
      flatAdam !== undefined &&
      teacher === undefined &&
      !params.hasTransforms()
        ? new TfjsNodeGraphStep(
            flatAdam,
            [...new Set([...params.variables(), ...params.trainableVariables()])],
            this.stepGraphs,
          )
        : undefined;
    let step = 0;
    let lossSum: tf.Tensor | undefined;
    let correctSum: tf.Tensor | undefined;
    try {
      const vars = params.trainableVariables();
      const stepsPerEpoch = Math.ceil(source.count / batchSize);
      const totalSteps = Math.min(epochs * stepsPerEpoch, options.maxSteps ?? Infinity);
      const t0 = Date.now();
      for (let epoch = 0; epoch < epochs && step < totalSteps; epoch++) {
        const tEpoch = Date.now();
        const order = shuffledIndices(source.count, rng);
        lossSum = tf.scalar(0);
        correctSum = tf.scalar(0, 'int32');
        let seen = 0;
        for await (const batch of readBatches(source, batchSize, order)) {
          if (step >= totalSteps) break;
          await yieldToEventLoop();
          throwIfCancelled(options.signal, 'training');
          if (classLabels) checkClassIds(batch.classes!, objective.numClasses!, -1, where);
          step++;
          const info: StepInfo = { step, epoch, training: true };
          const stepSeed = rng.int(0x7fffffff);
          const x = tf.tensor(batch.x, [batch.size, ...source.sampleShape], 'float32');
          const labels: BatchLabels = {
            ...(batch.classes !== undefined && classLabels
              ? { classes: tf.tensor1d(batch.classes, 'int32') }
              : {}),
            ...(batch.targets !== undefined && resolved.labelLoss !== undefined
              ? { targets: tf.tensor(batch.targets) }
              : {}),
          };
          const teacherOutputs =
            teacher !== undefined && resolved.distillWeight > 0
              ? tf.tidy(() =>
                  teacher.compiled.run([x], {
                    training: false,
                    info: INFERENCE,
                    params: teacher.params.effective(INFERENCE),
                    logits: objective.logits,
                  }),
                )
              : undefined;
          const stateUpdates: {
            node: Parameters<ParameterSet['assignState']>[0];
            slot: string;
            value: tf.Tensor;
          }[] = [];
          const eagerStep = (): StepOutputs => {
            let correct: tf.Tensor | undefined;
            const loss = optimizer.minimize(
              () => {
                const outs = compiled.run([x], {
                  training: true,
                  info,
                  seed: stepSeed,
                  params: params.effective(info),
                  activationTransforms: params.activations,
                  onStateUpdate: (node, slot, value) =>
                    stateUpdates.push({ node, slot, value: tf.keep(value) }),
                  logits: objective.logits,
                });
                if (labels.classes !== undefined)
                  correct = tf.keep(
                    tf.sum(tf.cast(tf.equal(tf.argMax(outs[0]!, -1), labels.classes), 'int32')),
                  );
                return objective.compute(outs, teacherOutputs, labels);
              },
              true,
              vars,
            )!;
            for (const u of stateUpdates) params.assignState(u.node, u.slot, u.value);
            stateUpdates.length = 0;
            return { loss, ...(correct !== undefined ? { correct } : {}) };
          };
          const { loss, correct } =
            graphStep !== undefined ? graphStep.step({ x, ...labels }, eagerStep) : eagerStep();
          const newLoss = tf.tidy(() => tf.add(lossSum!, tf.mul(loss, batch.size)));
          const newCorrect: tf.Tensor =
            correct !== undefined ? tf.add(correctSum!, correct) : tf.clone(correctSum!);
          tf.dispose([
            lossSum,
            correctSum,
            loss,
            x,
            ...(correct !== undefined ? [correct] : []),
            ...(labels.classes !== undefined ? [labels.classes] : []),
            ...(labels.targets !== undefined ? [labels.targets] : []),
            ...(teacherOutputs ?? []),
          ]);
          lossSum = newLoss;
          correctSum = newCorrect;
          seen += batch.size;
          params.afterStep(info);
          await options.callbacks?.onStepEnd?.(info);
        }
        const lossMean = (await lossSum!.data())[0]! / Math.max(1, seen);
        const acc = classLabels ? (await correctSum!.data())[0]! / Math.max(1, seen) : NaN;
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
        if (validation !== undefined) {
          const v = await this.evaluateWith(
            compiled,
            params,
            validation,
            this.evaluationPlan(compiled, validation, options.loss, teacher !== undefined),
            { batchSize: Math.max(batchSize, 256), signal: options.signal, teacher },
          );
          log = {
            ...log,
            ...(v.loss !== undefined ? { valLoss: v.loss } : {}),
            ...(v.accuracy !== undefined ? { valAccuracy: v.accuracy } : {}),
            valMetric: v.metric,
          };
        }
        history.push(log);
        const elapsed = (Date.now() - t0) / 1000;
        const eta = (elapsed / step) * (totalSteps - step);
        progress.update(epoch + 1, {
          loss: log.loss,
          ...(classLabels ? { accuracy: log.accuracy } : {}),
          'samples/s': Math.round(log.samplesPerSecond),
          eta: `${Math.round(eta)}s`,
          ...(log.valAccuracy !== undefined ? { valAccuracy: log.valAccuracy } : {}),
          ...(log.valMetric !== undefined && log.valAccuracy === undefined
            ? { [`val ${log.valMetric.name}`]: log.valMetric.value }
            : {}),
        });
        await options.callbacks?.onEpochEnd?.(log);
      }
      params.writeBack({ step, epoch: Math.max(0, history.length - 1), training: false });
      const last = history[history.length - 1];
      progress.finish(
        last !== undefined
          ? { loss: last.loss, ...(classLabels ? { accuracy: last.accuracy } : {}) }
          : {},
      );
    } catch (e) {
      if (e instanceof CancelledError) progress.finish({ cancelled: 'yes' });
      throw e;
    } finally {
      tf.dispose([lossSum, correctSum].filter((t): t is tf.Tensor => t !== undefined));
      graphStep?.dispose();
      optimizer.dispose();
      params.dispose();
      teacher?.params.dispose();
      const leaked = tf.memory().numTensors - startTensors;
      if (leaked > 0) {
        // Not fatal, but worth knowing: transforms must dispose what they create.
        process.emitWarning(`collabopt engine: fit left ${leaked} tensors allocated`);
      }
    }
    return { history, steps: step };
  }
}

/** A float model compiled with inference parameters, used as distillation teacher / reference. */
interface Teacher {
  readonly compiled: CompiledGraph;
  readonly params: ParameterSet;
}

/** Class ids of a batch must index the model's classes; `first` is the batch's first sample (or −1). */
function checkClassIds(
  classes: Int32Array,
  numClasses: number,
  first: number,
  where: { file?: string },
): void {
  for (let i = 0; i < classes.length; i++) {
    const c = classes[i]!;
    if (!(c >= 0 && c < numClasses))
      throw new DataError(
        'DATA_LABELS',
        `label ${c}${first >= 0 ? ` of sample ${first + i}` : ''} is outside the model's classes 0..${numClasses - 1}`,
        where,
      );
  }
}

/** Number of classes of a model trained or evaluated on class labels: one [batch, classes] output. */
function modelClasses(compiled: CompiledGraph): number {
  const v = compiled.logitsValue;
  const shape = v?.shape;
  if (v === undefined || shape === undefined || shape.length !== 2 || !(shape[1]! > 0)) {
    throw new ShapeError(
      `class labels need a classifier with one output of shape [batch, classes]; got ${compiled.outputs.length} outputs${shape ? ` of shape [${shape.join(', ')}]` : ''} (without labels, train by distillation)`,
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
    options.graphStep ?? graphStepDefault(),
  );
}
