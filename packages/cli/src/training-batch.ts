import { defaultPassRegistry, parsePipeline, type PassRegistry } from '@collabopt/core';

/**
 * The largest fine-tuning batch the pipelines use: over every step of a training pass (one that
 * declares `usesTeacher`), its `batchSize` option or the pass's default. Undefined when nothing
 * trains (one-shot passes only). Unknown passes are left to the pass manager's own error.
 */
export function trainingBatchOf(
  pipelines: readonly string[],
  registry: PassRegistry = defaultPassRegistry,
): number | undefined {
  let batch: number | undefined;
  for (const pipeline of pipelines)
    for (const step of parsePipeline(pipeline)) {
      if (!registry.has(step.name)) continue;
      const entry = registry.get(step.name);
      if (!entry.usesTeacher) continue;
      const given = step.options['batchSize'];
      const spec = entry.options['batchSize'] as { default?: unknown } | undefined;
      const size = typeof given === 'number' ? given : spec?.default;
      if (typeof size === 'number') batch = Math.max(batch ?? 0, size);
    }
  return batch;
}
