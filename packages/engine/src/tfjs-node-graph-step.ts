import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FlatAdamOptimizer } from './flat-adam';
import { tf } from './tf';
import {
  feedNode,
  fetchNode,
  savedModelBytes,
  unsupportedAttr,
  type ExternalRole,
} from './tfjs-node-graph-def';
import { recordStep, type StepTrace, type TraceRef } from './tfjs-node-step-trace';

/**
 * A training step on tfjs-node run as ONE TensorFlow graph, as Keras runs its `tf.function`:
 * eagerly, each of the step's ~65 (reference CNN) TensorFlow ops costs ~90 µs of dispatch through
 * TF.js and the binding, more than Keras's whole step on a small model.
 *
 * How: the engine's eager step (forward, gradients, flat Adam update, BatchNorm statistics) is
 * recorded op by op (tfjs-node-step-trace.ts) on two consecutive steps of the same input shapes.
 * When both recordings are the same graph — same ops and attributes, same constants except Adam's
 * two per-step scalars — that graph is written as a SavedModel (tfjs-node-graph-def.ts) into a
 * temporary directory, loaded through the binding (`loadSavedModelMetaGraph`; the directory is
 * deleted right after) and from then on each step is one `runSavedModel` call: its feeds are the
 * variables, Adam's moments and flat parameter copy, the batch and the step scalars; its fetches
 * the new values of all of them, the loss and the correct count. TensorFlow's session optimizes
 * the graph once (Grappler) and runs it with its own executor.
 *
 * Falls back to the eager step, with one warning, when the recordings differ (a dropout seed, a
 * transform with per-step constants), when the step reads a value back into JavaScript, or when
 * an attribute cannot be expressed; steps whose variables were changed by someone else (a pruning
 * mask) run eagerly too. Opt out with `createEngine({ graphStep: false })` or
 * `COLLABOPT_GRAPH_STEP=0`.
 */

/** The batch a step consumes. */
export interface StepBatch {
  readonly x: tf.Tensor;
  readonly classes?: tf.Tensor;
  readonly targets?: tf.Tensor;
}

/** What a step returns (owned by the caller). */
export interface StepOutputs {
  readonly loss: tf.Tensor;
  readonly correct?: tf.Tensor;
}

/** Environment switch: `0`/`off`/`false` disables the graph step. */
export const GRAPH_STEP_ENV = 'COLLABOPT_GRAPH_STEP';

/** Whether the graph step is on when the engine options do not say (env, default on). */
export function graphStepDefault(): boolean {
  const v = process.env[GRAPH_STEP_ENV]?.toLowerCase();
  return !(v === '0' || v === 'off' || v === 'false' || v === 'no');
}

/** Recordings that disagree this many times in a row give up on the graph for that batch shape. */
const MAX_MISMATCHES = 3;

interface Recording {
  readonly trace: StepTrace;
  /** Feed name per external tensor, or 'const'. */
  readonly roles: ExternalRole[];
  readonly outputs: Map<string, TraceRef>;
  /** Adam's step number of the recorded step. */
  readonly t: number;
  readonly signature: string;
}

interface Loaded {
  readonly id: number;
  readonly feeds: readonly string[];
  readonly fetches: readonly string[];
}

interface ShapeState {
  last?: Recording;
  mismatches: number;
  loaded?: Loaded;
  gaveUp?: boolean;
}

interface SavedModelBackend {
  loadSavedModelMetaGraph(path: string, tags: string): number;
  runSavedModel(
    id: number,
    inputs: tf.Tensor[],
    infos: { name: string }[],
    outputNames: string[],
  ): tf.Tensor[];
  deleteSavedModel(id: number): void;
  getInputTensorIds(tensors: tf.TensorInfo[]): number[];
  tensorMap: { get(dataId: tf.DataId): { id: number } | undefined };
}

const STEP_SCALARS = ['step_scale', 'root_scale'];

export class TfjsNodeGraphStep {
  private readonly shapes = new Map<string, ShapeState>();

  constructor(
    private readonly optimizer: FlatAdamOptimizer,
    /** Every variable the step may read or assign (weights and state). */
    private readonly variables: readonly tf.Variable[],
    /** Graphs of earlier fits (of the same engine) that a matching step reuses. */
    private readonly cache: StepGraphCache,
    private readonly warn: (message: string) => void = (m) => process.emitWarning(m),
  ) {}

  /** Number of graphs loaded (one per batch shape). */
  get graphs(): number {
    return [...this.shapes.values()].filter((s) => s.loaded !== undefined).length;
  }

  /** Run one step: as a graph when one is loaded for these shapes, else `eager` (recorded). */
  step(batch: StepBatch, eager: () => StepOutputs): StepOutputs {
    const key = [batch.x, batch.classes, batch.targets]
      .map((t) => (t === undefined ? '-' : `${t.dtype}[${t.shape.join(',')}]`))
      .join(' ');
    let state = this.shapes.get(key);
    if (state === undefined) {
      state = { mismatches: 0 };
      this.shapes.set(key, state);
    }
    const flat = this.optimizer.flatState();
    if (state.loaded !== undefined && flat !== undefined)
      return this.runGraph(state.loaded, batch, flat);
    if (state.gaveUp === true || flat === undefined) return eager();
    return this.recordEager(state, batch, flat, eager);
  }

  /** The tensors fed by name before a step. */
  private feedTensors(
    batch: StepBatch,
    flat: { m: tf.Tensor; v: tf.Tensor; params: tf.Tensor },
  ): Map<string, tf.Tensor> {
    const feeds = new Map<string, tf.Tensor>();
    this.variables.forEach((v, i) => feeds.set(`var${i}`, v));
    feeds.set('adam_m', flat.m);
    feeds.set('adam_v', flat.v);
    feeds.set('adam_params', flat.params);
    feeds.set('x', batch.x);
    if (batch.classes !== undefined) feeds.set('classes', batch.classes);
    if (batch.targets !== undefined) feeds.set('targets', batch.targets);
    return feeds;
  }

  private backend(): SavedModelBackend {
    return tf.backend() as unknown as SavedModelBackend;
  }

  private recordEager(
    state: ShapeState,
    batch: StepBatch,
    flat: { m: tf.Tensor; v: tf.Tensor; params: tf.Tensor },
    eager: () => StepOutputs,
  ): StepOutputs {
    const backend = this.backend();
    const feeds = this.feedTensors(batch, flat);
    // Upload every fed tensor now so that it has a binding id before the recording starts.
    const feedIds = new Map<number, string>();
    for (const [name, t] of feeds) {
      const id = backend.getInputTensorIds([t])[0]!;
      if (!feedIds.has(id)) feedIds.set(id, name);
    }
    const { result, trace } = recordStep(eager);
    const why = trace.untraceable ?? unsupportedAttr(trace);
    if (why !== undefined) {
      this.giveUp(state, why);
      return result;
    }
    const roles: ExternalRole[] = trace.externals.map((e) => {
      const name = feedIds.get(e.id);
      return name !== undefined ? { feed: name } : 'const';
    });
    const after = this.optimizer.flatState();
    const outputs = new Map<string, TraceRef>();
    const fetched: [string, tf.Tensor | undefined][] = [
      ['loss', result.loss],
      ['correct', result.correct],
      ...this.variables.map((v, i): [string, tf.Tensor] => [`var${i}`, v]),
      ['adam_m', after?.m],
      ['adam_v', after?.v],
      ['adam_params', after?.params],
    ];
    for (const [name, t] of fetched) {
      if (t === undefined) {
        if (name === 'correct') continue;
        this.giveUp(state, `the step left no ${name}`);
        return result;
      }
      const id = backend.tensorMap.get(t.dataId)?.id;
      // A value the step did not touch (a state variable it does not update) is its own feed.
      const feed = id !== undefined ? feedIds.get(id) : undefined;
      const ref =
        (id !== undefined ? trace.refOf.get(id) : undefined) ??
        (feed !== undefined ? feedRef(roles, feed) : undefined);
      // A variable the step neither reads nor assigns keeps its value: nothing to fetch.
      if (ref === undefined && feed !== undefined && name.startsWith('var')) continue;
      if (ref === undefined) {
        this.giveUp(state, `the step's ${name} comes from outside the recorded ops`);
        return result;
      }
      outputs.set(name, ref);
    }
    const recording: Recording = {
      trace,
      roles,
      outputs,
      t: this.optimizer.stepsTaken,
      signature: signatureOf(trace, roles, outputs),
    };
    const cached = this.cache.find(recording, (t) => this.optimizer.stepScalars(t));
    if (cached !== undefined) {
      state.loaded = cached;
      return result;
    }
    const previous = state.last;
    state.last = recording;
    if (previous === undefined) return result;
    const matched = this.match(previous, recording);
    if (typeof matched === 'string') {
      state.mismatches++;
      if (state.mismatches >= MAX_MISMATCHES) this.giveUp(state, matched);
      return result;
    }
    try {
      state.loaded = this.load(recording, matched);
      this.cache.add(recording, matched, state.loaded);
    } catch (e) {
      this.giveUp(state, `TensorFlow rejected the step graph (${(e as Error).message})`);
    }
    return result;
  }

  /**
   * Roles for the graph when two recordings of consecutive steps describe the same computation:
   * the same signature, and constants equal except those holding Adam's per-step scalars (which
   * become feeds). Else why not.
   */
  private match(a: Recording, b: Recording): ExternalRole[] | string {
    if (a.signature !== b.signature) return 'two steps ran different TensorFlow ops';
    const expected = (t: number): number[] => this.optimizer.stepScalars(t).map(Math.fround);
    const sa = expected(a.t);
    const sb = expected(b.t);
    const roles = [...b.roles];
    for (let i = 0; i < roles.length; i++) {
      if (roles[i] !== 'const') continue;
      const va = a.trace.externals[i]!.values;
      const vb = b.trace.externals[i]!.values;
      if (sameValues(va, vb)) continue;
      const k =
        va.length === 1 && vb.length === 1
          ? sa.findIndex((s, j) => s === va[0] && sb[j] === vb[0])
          : -1;
      if (k < 0) return 'a constant of the step changes from step to step';
      roles[i] = { feed: STEP_SCALARS[k]! };
    }
    return roles;
  }

  private load(recording: Recording, roles: ExternalRole[]): Loaded {
    const bytes = savedModelBytes({ trace: recording.trace, roles, outputs: recording.outputs });
    const dir = mkdtempSync(join(tmpdir(), 'collabopt-step-'));
    let id: number;
    try {
      writeFileSync(join(dir, 'saved_model.pb'), bytes);
      id = this.backend().loadSavedModelMetaGraph(dir, 'serve');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const feeds = [...new Set(roles.flatMap((r) => (r === 'const' ? [] : [r.feed])))];
    return { id, feeds, fetches: [...recording.outputs.keys()] };
  }

  private runGraph(
    loaded: Loaded,
    batch: StepBatch,
    flat: { m: tf.Tensor; v: tf.Tensor; params: tf.Tensor },
  ): StepOutputs {
    const feeds = this.feedTensors(batch, flat);
    const scalars = this.optimizer.stepScalars(this.optimizer.stepsTaken + 1);
    const created = STEP_SCALARS.map((name, k) => {
      const s = tf.scalar(scalars[k]!);
      feeds.set(name, s);
      return s;
    });
    const inputs = loaded.feeds.map((name) => feeds.get(name)!);
    let outs: tf.Tensor[];
    try {
      outs = this.backend().runSavedModel(
        loaded.id,
        inputs,
        loaded.feeds.map((name) => ({ name: `${feedNode(name)}:0` })),
        loaded.fetches.map((name) => `${fetchNode(name)}:0`),
      );
    } finally {
      tf.dispose(created);
    }
    const byName = new Map(loaded.fetches.map((name, i) => [name, outs[i]!]));
    this.variables.forEach((v, i) => {
      const next = byName.get(`var${i}`);
      if (next === undefined) return;
      v.assign(next);
      next.dispose();
    });
    this.optimizer.adoptStep(
      byName.get('adam_m')!,
      byName.get('adam_v')!,
      byName.get('adam_params')!,
    );
    const correct = byName.get('correct');
    return { loss: byName.get('loss')!, ...(correct !== undefined ? { correct } : {}) };
  }

  private giveUp(state: ShapeState, why: string): void {
    state.gaveUp = true;
    state.last = undefined;
    if (!this.cache.firstWarning()) return;
    this.warn(
      `collabopt engine: training steps run eagerly on tfjs-node, not as one TensorFlow graph: ${why}`,
    );
  }

  /** Forget this fit's recordings (the loaded graphs stay in the engine's cache). */
  dispose(): void {
    this.shapes.clear();
  }
}

interface CachedGraph {
  readonly signature: string;
  readonly roles: readonly ExternalRole[];
  /** The recorded values of the externals that are constants in the graph. */
  readonly values: readonly (ArrayLike<number> | undefined)[];
  readonly loaded: Loaded;
}

/**
 * The step graphs an engine loaded, so that later fits of the same model and settings (a
 * benchmark's repeated fits, a pipeline's fine-tuning passes) reuse the session TensorFlow
 * already optimized instead of recording twice and optimizing again: a fit's first recorded step
 * that matches a cached graph (same ops, same constants, Adam's step scalars at their places)
 * runs it from the next step on. Holds at most `capacity` sessions (the oldest is deleted).
 */
export class StepGraphCache {
  private readonly entries: CachedGraph[] = [];

  constructor(private readonly capacity = 8) {}

  private warned = false;

  /** True the first time it is asked: the engine warns about an eager fallback once. */
  firstWarning(): boolean {
    const first = !this.warned;
    this.warned = true;
    return first;
  }

  find(recording: Recording, stepScalars: (t: number) => number[]): Loaded | undefined {
    const scalars = stepScalars(recording.t).map(Math.fround);
    const hit = this.entries.find(
      (e) =>
        e.signature === recording.signature &&
        e.roles.every((role, i) => {
          const value = recording.trace.externals[i]!.values;
          if (role === 'const') return sameValues(e.values[i]!, value);
          const k = STEP_SCALARS.indexOf(role.feed);
          return k < 0 || (value.length === 1 && value[0] === scalars[k]);
        }),
    );
    return hit?.loaded;
  }

  add(recording: Recording, roles: readonly ExternalRole[], loaded: Loaded): void {
    this.entries.push({
      signature: recording.signature,
      roles,
      values: roles.map((r, i) =>
        r === 'const' ? recording.trace.externals[i]!.values : undefined,
      ),
      loaded,
    });
    while (this.entries.length > this.capacity) {
      const old = this.entries.shift()!;
      (tf.backend() as unknown as SavedModelBackend).deleteSavedModel(old.loaded.id);
    }
  }

  /** Delete every loaded session. */
  clear(): void {
    for (const e of this.entries.splice(0))
      (tf.backend() as unknown as SavedModelBackend).deleteSavedModel(e.loaded.id);
  }
}

/** The external tensor fed as `feed`, if the step reads it. */
function feedRef(roles: readonly ExternalRole[], feed: string): TraceRef | undefined {
  const index = roles.findIndex((r) => r !== 'const' && r.feed === feed);
  return index >= 0 ? { external: index } : undefined;
}

function sameValues(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** The recorded computation without its constant values: ops, attributes, wiring, feeds, fetches. */
function signatureOf(
  trace: StepTrace,
  roles: readonly ExternalRole[],
  outputs: ReadonlyMap<string, TraceRef>,
): string {
  const ext = trace.externals.map((e, i) => {
    const r = roles[i]!;
    return `${r === 'const' ? 'c' : r.feed}:${e.dtype}[${e.shape.join(',')}]`;
  });
  return JSON.stringify({ ext, ops: trace.ops, out: [...outputs] });
}
