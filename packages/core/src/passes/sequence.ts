import type { AnnotationKind } from '../annotations/types';
import type { Graph } from '../graph';
import type { Pass, PassContext, PassResult } from './pass';

/**
 * A named pipeline that is itself a pass, so pipelines nest. The pass manager runs its passes one by
 * one (verifying contracts and recording statistics after each); run on its own, it runs them in
 * order and reports each pass's report under its name.
 */
export interface PassSequence extends Pass {
  readonly passes: readonly Pass[];
}

export function isPassSequence(pass: Pass): pass is PassSequence {
  return Array.isArray((pass as Partial<PassSequence>).passes);
}

/** A pass made of `passes`; it may drop whatever any of them drops. */
export function sequence(name: string, passes: readonly Pass[]): PassSequence {
  const drops = [...new Set(passes.flatMap((p) => p.drops ?? []))];
  const preserves = [...new Set(passes.flatMap((p) => p.preserves ?? []))].filter(
    (k: AnnotationKind) => !drops.includes(k),
  );
  return {
    name,
    passes: [...passes],
    preserves,
    drops,
    ...(passes.some((p) => p.usesTeacher) ? { usesTeacher: true } : {}),
    async run(input: Graph, ctx: PassContext): Promise<PassResult> {
      let graph = input;
      let changed = false;
      const report: Record<string, unknown> = {};
      for (const pass of passes) {
        const r = await pass.run(graph, ctx);
        if (r.changed || (r.graph !== undefined && r.graph !== graph)) {
          changed = true;
          ctx.analyses.invalidate();
        }
        graph = r.graph ?? graph;
        if (r.report !== undefined) report[pass.name] = r.report;
      }
      return { ...(graph !== input ? { graph } : {}), changed, report };
    },
  };
}
