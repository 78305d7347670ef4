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

/** Options declaring a default. */
type DefaultedNames<S extends OptionSchema> = {
  [K in keyof S]: S[K] extends { readonly default: unknown } ? K : never;
}[keyof S];

/** Options declared `optional`. */
type OptionalNames<S extends OptionSchema> = {
  [K in keyof S]: S[K] extends { readonly optional: true } ? K : never;
}[keyof S];

/** Options the caller must give (no default, not optional). */
export type RequiredOptionNames<S extends OptionSchema> = Exclude<
  keyof S,
  DefaultedNames<S> | OptionalNames<S>
>;

/** Options that always have a value after resolution (a default, or required). */
type AlwaysSet<S extends OptionSchema> = Exclude<
  keyof S,
  Exclude<OptionalNames<S>, DefaultedNames<S>>
>;

type Flatten<T> = { [K in keyof T]: T[K] };

/** Resolved options of a schema: defaults filled in, optional options without default may be undefined. */
export type OptionsOf<S extends OptionSchema> = Flatten<
  { readonly [K in AlwaysSet<S>]: OptionValueOf<S[K]> } & {
    readonly [K in Exclude<keyof S, AlwaysSet<S>>]?: OptionValueOf<S[K]>;
  }
>;

/** Options a caller passes: every option with a default (or optional) may be left out. */
export type OptionsInput<S extends OptionSchema> = Flatten<
  { readonly [K in RequiredOptionNames<S>]: OptionValueOf<S[K]> } & {
    readonly [K in Exclude<keyof S, RequiredOptionNames<S>>]?: OptionValueOf<S[K]>;
  }
>;

/**
 * Declare an option schema keeping its literal types (enum values, which options have defaults),
 * so `OptionsOf<typeof SCHEMA>` is the exact option type.
 */
export function defineOptions<const S extends OptionSchema>(schema: S): S {
  return schema;
}
