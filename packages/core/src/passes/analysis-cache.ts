import type { Graph } from '../graph';

/**
 * Analyses (shapes, statistics, ...) computed once and reused until the graph changes: an entry is
 * valid for one graph object at one version; the pass manager also clears it after a changing pass.
 */
export class AnalysisCache {
  private readonly entries = new Map<string, { graph: Graph; version: number; value: unknown }>();
  private hits = 0;
  private misses = 0;

  get<T>(key: string, graph: Graph, compute: (g: Graph) => T): T {
    const e = this.entries.get(key);
    if (e && e.graph === graph && e.version === graph.version) {
      this.hits++;
      return e.value as T;
    }
    this.misses++;
    const value = compute(graph);
    this.entries.set(key, { graph, version: graph.version, value });
    return value;
  }

  invalidate(): void {
    this.entries.clear();
  }

  get stats(): { hits: number; misses: number; entries: number } {
    return { hits: this.hits, misses: this.misses, entries: this.entries.size };
  }
}
