import { PipelineError, type ErrorLocation } from '../errors';

export type OptionKind =
  'number' | 'integer' | 'boolean' | 'string' | 'enum' | 'numbers' | 'strings';
export type OptionValue = number | boolean | string | readonly number[] | readonly string[];

export interface OptionSpec {
  readonly kind: OptionKind;
  readonly description: string;
  readonly default?: OptionValue;
  /** Allowed values for `enum`. */
  readonly values?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  /** Exclusive bounds (e.g. sparsity < 1). */
  readonly exclusiveMax?: boolean;
  readonly exclusiveMin?: boolean;
  /** Required when no default is given; optional options without default stay undefined. */
  readonly optional?: boolean;
}

export type OptionSchema = Readonly<Record<string, OptionSpec>>;

/** Raw values as written in a text pipeline or a JSON config. */
export type RawOptions = Readonly<Record<string, unknown>>;

function describeKind(spec: OptionSpec): string {
  switch (spec.kind) {
    case 'number':
      return 'a number';
    case 'integer':
      return 'an integer';
    case 'boolean':
      return 'true or false';
    case 'string':
      return 'a string';
    case 'enum':
      return `one of ${(spec.values ?? []).join(', ')}`;
    case 'numbers':
      return 'a list of numbers';
    case 'strings':
      return 'a list of strings';
  }
}

function checkOne(spec: OptionSpec, value: unknown): OptionValue | undefined {
  const numberOk = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
  const inBounds = (x: number): boolean =>
    (spec.min === undefined || (spec.exclusiveMin ? x > spec.min : x >= spec.min)) &&
    (spec.max === undefined || (spec.exclusiveMax ? x < spec.max : x <= spec.max));
  switch (spec.kind) {
    case 'number':
      return numberOk(value) && inBounds(value) ? value : undefined;
    case 'integer':
      return numberOk(value) && Number.isInteger(value) && inBounds(value) ? value : undefined;
    case 'boolean':
      return typeof value === 'boolean' ? value : undefined;
    case 'string':
      return typeof value === 'string' ? value : undefined;
    case 'enum':
      return typeof value === 'string' && (spec.values ?? []).includes(value) ? value : undefined;
    case 'numbers': {
      const list = Array.isArray(value) ? value : numberOk(value) ? [value] : undefined;
      return list && list.every((x) => numberOk(x) && inBounds(x)) ? (list as number[]) : undefined;
    }
    case 'strings': {
      const list = Array.isArray(value) ? value : typeof value === 'string' ? [value] : undefined;
      return list && list.every((x) => typeof x === 'string') ? (list as string[]) : undefined;
    }
  }
}

function bounds(spec: OptionSpec): string {
  const lo = spec.min === undefined ? '' : `${spec.exclusiveMin ? '>' : '≥'} ${spec.min}`;
  const hi = spec.max === undefined ? '' : `${spec.exclusiveMax ? '<' : '≤'} ${spec.max}`;
  return [lo, hi].filter(Boolean).join(' and ');
}

/**
 * Validate raw options against a schema: unknown names, wrong types and out-of-range values are
 * PipelineErrors naming the pass and option (and the text position when known); defaults are filled in.
 */
export function resolveOptions<T>(
  pass: string,
  schema: OptionSchema,
  raw: RawOptions,
  positions: Readonly<Record<string, number>> = {},
): T {
  const out: Record<string, OptionValue | undefined> = {};
  for (const [key, value] of Object.entries(raw)) {
    const where: ErrorLocation = {
      pass,
      field: key,
      ...(positions[key] !== undefined ? { position: positions[key] } : {}),
    };
    const spec = schema[key];
    if (spec === undefined) {
      const known = Object.keys(schema);
      const hint = closest(key, known);
      throw new PipelineError(
        `unknown option "${key}" for pass ${pass}${hint ? `; did you mean "${hint}"?` : ''} (options: ${known.join(', ') || 'none'})`,
        where,
        'PIPELINE_UNKNOWN_OPTION',
      );
    }
    const checked = checkOne(spec, value);
    if (checked === undefined) {
      const b = bounds(spec);
      throw new PipelineError(
        `option "${key}" of pass ${pass} must be ${describeKind(spec)}${b ? ` ${b}` : ''}, got ${JSON.stringify(value)}`,
        where,
        'PIPELINE_BAD_OPTION',
      );
    }
    out[key] = checked;
  }
  for (const [key, spec] of Object.entries(schema)) {
    if (out[key] !== undefined) continue;
    if (spec.default !== undefined) out[key] = spec.default;
    else if (!spec.optional) {
      throw new PipelineError(
        `pass ${pass} needs option "${key}" (${spec.description})`,
        { pass, field: key },
        'PIPELINE_MISSING_OPTION',
      );
    }
  }
  return out as T;
}

/** Levenshtein-closest candidate within distance 3 (for "did you mean"). */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = 4;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]!;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!;
      dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length]!;
}
