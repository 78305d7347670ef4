import type { AnnotationKind } from '../annotations/types';
import { PipelineError } from '../errors';
import type { PassEntry } from './define-pass';
import { closest, resolveOptions, type RawOptions } from './options';
import type { Pass } from './pass';
import { parsePipeline, pointAt } from './pipeline-parser';

/** Pass definitions by name (`definePass` results), so text pipelines can name them. */
export class PassRegistry {
  private readonly defs = new Map<string, PassEntry>();

  register(def: PassEntry, options: { replace?: boolean } = {}): void {
    if (this.defs.has(def.name) && !options.replace) {
      throw new PipelineError(
        `pass "${def.name}" is already registered`,
        { pass: def.name },
        'PASS_DUPLICATE',
      );
    }
    this.defs.set(def.name, def);
  }

  has(name: string): boolean {
    return this.defs.has(name);
  }

  get(name: string, position?: number): PassEntry {
    const d = this.defs.get(name);
    if (d === undefined) {
      const hint = closest(name, [...this.defs.keys()]);
      throw new PipelineError(
        `unknown pass "${name}"${hint ? `; did you mean "${hint}"?` : ''} (registered: ${[...this.defs.keys()].join(', ') || 'none'})`,
        { pass: name, ...(position !== undefined ? { position } : {}) },
        'PIPELINE_UNKNOWN_PASS',
      );
    }
    return d;
  }

  list(): PassEntry[] {
    return [...this.defs.values()];
  }

  /** Create a pass from raw options (validated against the definition's schema). */
  create(
    name: string,
    raw: RawOptions = {},
    positions: Readonly<Record<string, number>> = {},
    position?: number,
  ): Pass {
    const def = this.get(name, position);
    return def.create(resolveOptions<RawOptions>(name, def.options, raw, positions));
  }

  /** Parse and resolve a text pipeline into passes; errors point at the offending text. */
  fromText(text: string): Pass[] {
    const steps = parsePipeline(text);
    return steps.map((s) => {
      try {
        return this.create(s.name, s.options, s.optionPositions, s.position);
      } catch (e) {
        if (e instanceof PipelineError && e.location.position !== undefined) {
          throw new PipelineError(
            `${e.message.replace(/ \(.*\)$/, '')}${pointAt(text, e.location.position)}`,
            e.location,
            e.code,
          );
        }
        throw e;
      }
    });
  }

  /**
   * A registered pass of `family` that keeps every kind in `kinds`, for "use X to keep it" hints.
   * Among several, the one closest to a plain pass of the family (dropping the most of the
   * other kinds) wins: keeping sparsity under QAT suggests pqat, keeping sparsity and clusters pcqat.
   */
  findPreserving(family: string | undefined, kinds: readonly AnnotationKind[]): string | undefined {
    if (family === undefined) return undefined;
    const candidates = this.list()
      .filter((d) => d.family === family && kinds.every((k) => !d.drops.includes(k)))
      .sort((a, b) => b.drops.length - a.drops.length || a.name.length - b.name.length);
    return candidates[0]?.name;
  }
}

/** The process-wide registry plugins add their passes to. */
export const defaultPassRegistry = new PassRegistry();
