import {
  ANNOTATION_MEANING,
  checkValueContract,
  checkWeightContract,
} from '../annotations/contracts';
import type {
  AnnotationKind,
  ValueAnnotationKind,
  WeightAnnotationKind,
} from '../annotations/types';
import { CollaboptError, ContractViolationError } from '../errors';
import type { Graph } from '../graph';
import { createConsoleLogger, type Logger } from '../logger';
import type { OpRegistry } from '../op-registry';
import {
  prefixedProgress,
  silentProgress,
  throwIfCancelled,
  type ProgressReporter,
} from '../progress';
import { defaultOpRegistry } from '../registry-default';
import { verifyGraph } from '../verifier';
import { AnalysisCache } from './analysis-cache';
import { StatisticsInstrument, type Instrument, type PassRecord } from './instrument';
import type { Pass, PassContext, PassResult } from './pass';
import { defaultPassRegistry, type PassRegistry } from './pass-registry';
import { isPassSequence } from './sequence';

export interface PassManagerOptions {
  registry?: OpRegistry;
  passRegistry?: PassRegistry;
  logger?: Logger;
  progress?: ProgressReporter;
  seed?: number;
  signal?: AbortSignal;
  data?: Record<string, unknown>;
  engine?: unknown;
  /**
   * The float model the training passes distil from (e.g. the model before a tree's shared
   * prefix). Default: a copy of the pipeline's input, taken only when a pass declares `usesTeacher`.
   */
  teacher?: Graph;
  instruments?: Instrument[];
  /** Verify the graph structure after every pass (default true). */
  verify?: boolean;
  /** Accept dead nodes when verifying. */
  allowDeadNodes?: boolean;
}

export interface PipelineResult {
  readonly graph: Graph;
  /** Statistics before the first pass ('input') and after each pass. */
  readonly records: readonly PassRecord[];
  /** Warnings about dropped contracts. */
  readonly warnings: readonly string[];
}

interface AnnotationSnapshot {
  weights: { node: string; slot: string; kinds: WeightAnnotationKind[] }[];
  values: { value: string; kinds: ValueAnnotationKind[] }[];
}

function snapshot(graph: Graph): AnnotationSnapshot {
  const weights: AnnotationSnapshot['weights'] = [];
  for (const { node, slot, weight } of graph.weights()) {
    const kinds = (['mask', 'codebook', 'quant'] as const).filter(
      (k) => weight.annotations[k] !== undefined,
    );
    if (kinds.length > 0) weights.push({ node: node.name, slot, kinds: [...kinds] });
  }
  const values: AnnotationSnapshot['values'] = [];
  for (const node of graph.nodes) {
    for (const v of node.outputs) {
      const kinds = (['range', 'quant'] as const).filter((k) => v.annotations[k] !== undefined);
      if (kinds.length > 0) values.push({ value: v.name, kinds: [...kinds] });
    }
  }
  return { weights, values };
}

/** Whether the pass, or a pass of the sequence it is, distils from the float model. */
function usesTeacher(pass: Pass): boolean {
  return pass.usesTeacher === true || (isPassSequence(pass) && pass.passes.some(usesTeacher));
}

/** What one `run()` accumulates; a fresh one per run, so runs do not leak into each other. */
interface RunState {
  readonly ctx: PassContext;
  readonly logger: Logger;
  readonly statistics: StatisticsInstrument;
  readonly instruments: readonly Instrument[];
  readonly warnings: string[];
  /** Which pass first established each annotation kind (for warnings). */
  readonly establishedBy: Map<AnnotationKind, string>;
  readonly verify: (graph: Graph) => void;
}

/**
 * Runs passes in order (a pass sequence runs as its passes, each checked on its own). After each pass it verifies the graph, checks every annotation contract
 * (kept ones must still hold; dropped ones that no longer hold are removed with a warning naming
 * the preserving alternative), clears cached analyses when the graph changed, and records
 * instrumentation.
 */
export class PassManager {
  private readonly passes: Pass[] = [];
  private readonly options: PassManagerOptions;

  constructor(options: PassManagerOptions = {}) {
    this.options = options;
  }

  add(...passes: Pass[]): this {
    this.passes.push(...passes);
    return this;
  }

  /** Append the passes of a text pipeline, resolved through the pass registry. */
  addPipeline(text: string): this {
    this.passes.push(...(this.options.passRegistry ?? defaultPassRegistry).fromText(text));
    return this;
  }

  get pipeline(): readonly Pass[] {
    return this.passes;
  }

  /** Run the pipeline on `input`. Each call starts fresh (statistics, warnings, provenance). */
  async run(input: Graph): Promise<PipelineResult> {
    const registry = this.options.registry ?? defaultOpRegistry;
    const logger = this.options.logger ?? createConsoleLogger();
    const ctx: PassContext = {
      registry,
      logger,
      progress: this.options.progress ?? silentProgress,
      seed: this.options.seed ?? 0,
      ...(this.options.signal ? { signal: this.options.signal } : {}),
      data: this.options.data ?? {},
      ...(this.options.engine !== undefined ? { engine: this.options.engine } : {}),
      analyses: new AnalysisCache(),
    };
    const teacher =
      this.options.teacher ?? (this.passes.some(usesTeacher) ? input.clone() : undefined);
    if (teacher !== undefined) (ctx as { teacher?: Graph }).teacher = teacher;
    const statistics = new StatisticsInstrument(registry);
    const state: RunState = {
      ctx,
      logger,
      statistics,
      instruments: [statistics, ...(this.options.instruments ?? [])],
      warnings: [],
      establishedBy: new Map(),
      verify: (g: Graph): void => {
        if (this.options.verify !== false)
          verifyGraph(g, { registry, allowDeadNodes: this.options.allowDeadNodes ?? false });
      },
    };

    let graph = input;
    state.verify(graph);
    this.checkAll(graph, undefined, state);
    noteEstablished(graph, 'input', state.establishedBy);
    statistics.recordInput(graph);
    for (const pass of this.passes) graph = await this.runPass(pass, graph, state);
    return { graph, records: statistics.records, warnings: state.warnings };
  }

  private async runPass(pass: Pass, graph: Graph, state: RunState): Promise<Graph> {
    if (isPassSequence(pass)) {
      for (const inner of pass.passes) graph = await this.runPass(inner, graph, state);
      return graph;
    }
    const { ctx } = state;
    throwIfCancelled(ctx.signal, `pipeline before ${pass.name}`);
    const before = snapshot(graph);
    for (const ins of state.instruments) await ins.beforePass?.(pass, graph, ctx);
    let result: PassResult;
    try {
      // Progress lines name the pass (`pcqat fine-tune 1/1 epoch`), not the model.
      result = await pass.run(graph, {
        ...ctx,
        progress: prefixedProgress(ctx.progress, pass.name),
      });
    } catch (e) {
      // locate() rebuilds the message, so the error text names the pass too
      if (e instanceof CollaboptError) e.locate({ pass: pass.name });
      throw e;
    }
    const next = result.graph ?? graph;
    if (result.changed || next !== graph) ctx.analyses.invalidate();
    state.verify(next);
    const removed = this.checkRemoved(next, before, pass);
    this.checkAll(next, pass, state, removed);
    noteEstablished(next, pass.name, state.establishedBy);
    for (const ins of state.instruments) await ins.afterPass?.(pass, next, result, ctx);
    return next;
  }

  /**
   * Annotations present before the pass and gone after: an error unless the pass declares the
   * drop; the declared drops it did remove are returned (they are warned about like broken ones).
   */
  private checkRemoved(graph: Graph, before: AnnotationSnapshot, pass: Pass): Set<AnnotationKind> {
    const drops = new Set<string>(pass.drops ?? []);
    const removed = new Set<AnnotationKind>();
    for (const w of before.weights) {
      const node = graph.findNode(w.node);
      const weight = node?.weights[w.slot];
      if (weight === undefined) continue; // node or weight removed by the pass (e.g. folded away)
      for (const k of w.kinds) {
        if (weight.annotations[k] === undefined && drops.has(k)) removed.add(k);
        if (weight.annotations[k] === undefined && !drops.has(k)) {
          throw new ContractViolationError(
            `${pass.name} removed the ${k} annotation (${ANNOTATION_MEANING[k]}) but does not declare that it drops it`,
            {
              pass: pass.name,
              node: w.node,
              field: w.slot,
            },
          );
        }
      }
    }
    for (const v of before.values) {
      const value = graph.findValue(v.value);
      if (value === undefined) continue;
      for (const k of v.kinds) {
        const kind: AnnotationKind = k === 'quant' ? 'quant' : 'range';
        if (value.annotations[k] === undefined && drops.has(kind)) removed.add(kind);
        if (value.annotations[k] === undefined && !drops.has(kind)) {
          throw new ContractViolationError(
            `${pass.name} removed the ${k} annotation of value "${v.value}" without declaring it`,
            {
              pass: pass.name,
              field: v.value,
            },
          );
        }
      }
    }
    return removed;
  }

  /**
   * Every annotation present must hold; dropped kinds that broke are removed with a warning, as
   * are the kinds the pass removed itself (`removed`).
   */
  private checkAll(
    graph: Graph,
    pass: Pass | undefined,
    state: RunState,
    removed: ReadonlySet<AnnotationKind> = new Set(),
  ): void {
    const drops = new Set<string>(pass?.drops ?? []);
    const broken = new Set<AnnotationKind>(removed);
    for (const { node, slot, weight } of graph.weights()) {
      for (const kind of ['mask', 'codebook', 'quant'] as const) {
        if (weight.annotations[kind] === undefined) continue;
        const r = checkWeightContract(weight, kind);
        if (r.ok) continue;
        if (pass !== undefined && drops.has(kind)) {
          delete weight.annotations[kind];
          broken.add(kind);
          continue;
        }
        const who = pass ? `${pass.name} broke` : 'input graph violates';
        throw new ContractViolationError(
          `${who} the ${kind} contract (${ANNOTATION_MEANING[kind]}) of weight ${node.name}/${slot}: ${r.message}` +
            (r.index >= 0 ? ` [first offending element ${r.index}]` : ''),
          {
            ...(pass ? { pass: pass.name } : {}),
            node: node.name,
            field: slot,
            ...(r.index >= 0 ? { position: r.index } : {}),
          },
        );
      }
    }
    for (const node of graph.nodes) {
      for (const v of node.outputs) {
        for (const kind of ['range', 'quant'] as const) {
          if (v.annotations[kind] === undefined) continue;
          const r = checkValueContract(v, kind);
          if (r.ok) continue;
          if (pass !== undefined && drops.has(kind)) {
            delete v.annotations[kind];
            broken.add(kind);
            continue;
          }
          throw new ContractViolationError(
            `${pass ? pass.name : 'input graph'}: ${kind} annotation of value "${v.name}" is invalid: ${r.message}`,
            {
              ...(pass ? { pass: pass.name } : {}),
              node: node.name,
              field: v.name,
            },
          );
        }
      }
    }
    if (pass === undefined || broken.size === 0) return;
    const kinds = [...broken];
    const alternative = (this.options.passRegistry ?? defaultPassRegistry).findPreserving(
      pass.family,
      kinds,
    );
    const what = kinds
      .map((k) => {
        const by = state.establishedBy.get(k);
        return by === undefined || by === 'input'
          ? `the ${ANNOTATION_MEANING[k]} the input model carries`
          : `the ${ANNOTATION_MEANING[k]} that ${by} established`;
      })
      .join(' and ');
    const message = `${pass.name} drops ${what}${alternative && alternative !== pass.name ? `; use ${alternative} to keep it` : ''}`;
    state.warnings.push(message);
    state.logger.warn(message);
  }
}

function noteEstablished(
  graph: Graph,
  passName: string,
  establishedBy: Map<AnnotationKind, string>,
): void {
  const s = snapshot(graph);
  for (const w of s.weights)
    for (const k of w.kinds) if (!establishedBy.has(k)) establishedBy.set(k, passName);
  for (const v of s.values)
    for (const k of v.kinds) if (!establishedBy.has(k)) establishedBy.set(k, passName);
}
