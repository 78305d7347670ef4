import type { Graph } from '../graph';
import type { OpRegistry } from '../op-registry';
import { defaultOpRegistry } from '../registry-default';
import { graphStatistics } from '../statistics';
import type { Pass, PassContext, PassResult } from './pass';

/** Hooks called around every pass (timing, statistics, tracing, custom checks). */
export interface Instrument {
  readonly name: string;
  beforePass?(pass: Pass, graph: Graph, ctx: PassContext): void | Promise<void>;
  afterPass?(pass: Pass, graph: Graph, result: PassResult, ctx: PassContext): void | Promise<void>;
}

/** Per-pass record of the default statistics instrument. */
export interface PassRecord {
  /** Pass name ('input' for the graph before the first pass). */
  readonly pass: string;
  readonly timeMs: number;
  readonly params: number;
  readonly nonZeros: number;
  readonly sparsity: number;
  /** Distinct values per weight, keyed `node/slot`. */
  readonly uniqueValues: Readonly<Record<string, number>>;
  /** Most distinct values of any kernel (the op registry's role 'kernel'); 0 without kernels. */
  readonly maxUniquePerKernel: number;
  readonly bytes: number;
  readonly deflatedBytes: number;
  readonly report?: Readonly<Record<string, unknown>>;
}

/**
 * Records time, parameter count, non-zeros, unique values per weight, raw and deflated weight
 * bytes after every pass (and once for the input graph).
 */
export class StatisticsInstrument implements Instrument {
  readonly name = 'statistics';
  readonly records: PassRecord[] = [];
  private started = 0;

  constructor(private readonly registry: OpRegistry = defaultOpRegistry) {}

  recordInput(graph: Graph): void {
    this.records.push(this.snapshot('input', graph, 0));
  }

  beforePass(): void {
    this.started = performance.now();
  }

  afterPass(pass: Pass, graph: Graph, result: PassResult, ctx: PassContext): void {
    const elapsed = performance.now() - this.started;
    const stats = ctx.analyses.get('statistics', graph, graphStatistics);
    this.records.push({
      ...this.fromStats(pass.name, elapsed, stats),
      ...(result.report ? { report: result.report } : {}),
    });
  }

  private snapshot(name: string, graph: Graph, timeMs: number): PassRecord {
    return this.fromStats(name, timeMs, graphStatistics(graph));
  }

  private fromStats(
    name: string,
    timeMs: number,
    s: ReturnType<typeof graphStatistics>,
  ): PassRecord {
    const uniqueValues: Record<string, number> = {};
    let maxUniquePerKernel = 0;
    for (const w of s.weights) {
      uniqueValues[`${w.node}/${w.slot}`] = w.uniqueValues;
      if (this.registry.isKernel(w.op, w.slot))
        maxUniquePerKernel = Math.max(maxUniquePerKernel, w.uniqueValues);
    }
    return {
      pass: name,
      timeMs,
      params: s.params,
      nonZeros: s.nonZeros,
      sparsity: s.sparsity,
      uniqueValues,
      maxUniquePerKernel,
      bytes: s.bytes,
      deflatedBytes: s.deflatedBytes,
    };
  }
}
