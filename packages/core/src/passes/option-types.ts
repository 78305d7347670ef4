import type { OptionSchema, OptionSpec } from './options';

/** The TypeScript type of one option's value, read from its spec. */
export type OptionValueOf<S extends OptionSpec> = S extends { readonly kind: 'number' | 'integer' }
  ? number
  : S extends { readonly kind: 'boolean' }
    ? boolean
    : S extends { readonly kind: 'string' }
      ? string
      : S extends { readonly kind: 'enum'; readonly values: readonly (infer V)[] }
        ? V
        : S extends { readonly kind: 'numbers' }
          ? readonly number[]
          : S extends { readonly kind: 'strings' }
            ? readonly string[]
            : never;

/** Options that always have a value after resolution (a default, or required). */
type AlwaysSet<S extends OptionSchema> = {
  [K in keyof S]: S[K] extends { readonly default: unknown }
    ? K
    : S[K] extends { readonly optional: true }
      ? never
      : K;
}[keyof S];

/** Options the caller must give (no default, not optional). */
type Required<S extends OptionSchema> = {
  [K in keyof S]: S[K] extends { readonly default: unknown }
    ? never
    : S[K] extends { readonly optional: true }
      ? never
      : K;
}[keyof S];

type Flatten<T> = { [K in keyof T]: T[K] };

/** Resolved options of a schema: defaults filled in, optional options without default may be undefined. */
export type OptionsOf<S extends OptionSchema> = Flatten<
  { readonly [K in AlwaysSet<S>]: OptionValueOf<S[K]> } & {
    readonly [K in Exclude<keyof S, AlwaysSet<S>>]?: OptionValueOf<S[K]>;
  }
>;

/** Options a caller passes: every option with a default (or optional) may be left out. */
export type OptionsInput<S extends OptionSchema> = Flatten<
  { readonly [K in Required<S>]: OptionValueOf<S[K]> } & {
    readonly [K in Exclude<keyof S, Required<S>>]?: OptionValueOf<S[K]>;
  }
>;

/**
 * Declare an option schema keeping its literal types (enum values, which options have defaults),
 * so `OptionsOf<typeof SCHEMA>` is the exact option type.
 */
export function defineOptions<const S extends OptionSchema>(schema: S): S {
  return schema;
}
