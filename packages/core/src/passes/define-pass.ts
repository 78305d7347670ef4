import type { AnnotationKind } from '../annotations/types';
import type { Graph } from '../graph';
import { resolveOptions, type OptionSchema, type RawOptions } from './options';
import type { OptionsInput, OptionsOf, RequiredOptionNames } from './option-types';
import type { Pass, PassContext, PassResult } from './pass';

/** What `definePass` takes: everything about a pass, said once. */
export interface PassDeclaration<S extends OptionSchema> {
  readonly name: string;
  readonly description: string;
  /** Pass family for "use X instead" hints (e.g. 'qat' holds qat, pqat, cqat, pcqat). */
  readonly family?: string;
  /** Option schema: text pipelines validate against it, `OptionsOf<S>` is the option type. */
  readonly options: S;
  /** Annotation kinds the pass establishes or keeps (documentation; everything not dropped is checked). */
  readonly preserves: readonly AnnotationKind[];
  /** Annotation kinds the pass may break; the pass manager removes them (with a warning) when they no longer hold. */
  readonly drops?: readonly AnnotationKind[];
  /** The pass trains and may distil from the float model (`ctx.teacher`). */
  readonly usesTeacher?: boolean;
  run(graph: Graph, ctx: PassContext, options: OptionsOf<S>): PassResult | Promise<PassResult>;
}

/** A pass made from a definition, with the resolved options it runs with. */
export interface ConfiguredPass<O = Readonly<Record<string, unknown>>> extends Pass {
  readonly options: O;
  readonly preserves: readonly AnnotationKind[];
  readonly drops: readonly AnnotationKind[];
}

/** What the pass registry holds: a definition seen without its option types. */
export interface PassEntry {
  readonly name: string;
  readonly description: string;
  readonly family?: string;
  readonly options: OptionSchema;
  readonly preserves: readonly AnnotationKind[];
  readonly drops: readonly AnnotationKind[];
  readonly usesTeacher?: boolean;
  /** A pass from (partial) options, validated against `options` with defaults filled in. */
  create(options?: RawOptions): Pass;
}

/** `create()` needs an argument only when some option has neither a default nor `optional`. */
export type CreateArguments<S extends OptionSchema> = [RequiredOptionNames<S>] extends [never]
  ? [options?: OptionsInput<S>]
  : [options: OptionsInput<S>];

/** The one object a pass declaration yields: its factory and its registry entry. */
export interface PassDefinition<S extends OptionSchema = OptionSchema> extends PassEntry {
  readonly options: S;
  create(...args: CreateArguments<S>): ConfiguredPass<OptionsOf<S>>;
}

/**
 * Declare a pass once. The result creates passes (`prune.create({ sparsity: 0.5 })`: partial
 * options, defaults filled in, values checked against the schema with the same errors as a text
 * pipeline) and is what a pass registry registers (`registry.register(prune)`).
 */
export function definePass<const S extends OptionSchema>(
  declaration: PassDeclaration<S>,
): PassDefinition<S> {
  const drops = declaration.drops ?? [];
  const definition: PassDefinition<S> = {
    name: declaration.name,
    description: declaration.description,
    ...(declaration.family !== undefined ? { family: declaration.family } : {}),
    options: declaration.options,
    preserves: declaration.preserves,
    drops,
    ...(declaration.usesTeacher ? { usesTeacher: true } : {}),
    create(...args: [options?: RawOptions]): ConfiguredPass<OptionsOf<S>> {
      const options = resolveOptions<OptionsOf<S>>(
        declaration.name,
        declaration.options,
        args[0] ?? {},
      );
      return {
        name: declaration.name,
        ...(declaration.family !== undefined ? { family: declaration.family } : {}),
        preserves: declaration.preserves,
        drops,
        ...(declaration.usesTeacher ? { usesTeacher: true } : {}),
        options,
        run: (graph, ctx) => declaration.run(graph, ctx, options),
      };
    },
  } as PassDefinition<S>;
  return definition;
}
