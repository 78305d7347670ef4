import { KERAS_ERROR_CODES, kerasError } from './errors';

/** A JSON object read from an untrusted file. */
export type JsonObject = { readonly [key: string]: unknown };

/**
 * Typed access to untrusted JSON: every accessor names the field path on failure and throws a
 * FormatError with code KERAS_BAD_JSON instead of letting a TypeError escape.
 */
export class JsonReader {
  constructor(
    readonly value: unknown,
    readonly path: string,
    readonly node?: string,
  ) {}

  fail(message: string): never {
    throw kerasError(KERAS_ERROR_CODES.badJson, `${this.path}: ${message}`, {
      field: this.path,
      ...(this.node !== undefined ? { node: this.node } : {}),
    });
  }

  isObject(): boolean {
    return typeof this.value === 'object' && this.value !== null && !Array.isArray(this.value);
  }

  isArray(): boolean {
    return Array.isArray(this.value);
  }

  isNull(): boolean {
    return this.value === null || this.value === undefined;
  }

  object(): JsonObject {
    if (!this.isObject()) this.fail(`expected an object, got ${describe(this.value)}`);
    return this.value as JsonObject;
  }

  has(key: string): boolean {
    return this.isObject() && (this.value as JsonObject)[key] !== undefined;
  }

  get(key: string): JsonReader {
    const obj = this.object();
    return new JsonReader(
      Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined,
      `${this.path}.${key}`,
      this.node,
    );
  }

  /** The first present key of `keys` (Keras 2 / Keras 3 spellings), or an absent reader. */
  getAny(...keys: string[]): JsonReader {
    for (const k of keys) if (this.has(k)) return this.get(k);
    return this.get(keys[0]!);
  }

  at(index: number): JsonReader {
    const arr = this.array();
    return new JsonReader(arr[index], `${this.path}[${index}]`, this.node);
  }

  array(): JsonReader[] {
    if (!Array.isArray(this.value)) this.fail(`expected a list, got ${describe(this.value)}`);
    return (this.value as unknown[]).map(
      (v, i) => new JsonReader(v, `${this.path}[${i}]`, this.node),
    );
  }

  string(): string {
    if (typeof this.value !== 'string') this.fail(`expected a string, got ${describe(this.value)}`);
    return this.value as string;
  }

  number(): number {
    if (typeof this.value !== 'number' || !Number.isFinite(this.value))
      this.fail(`expected a number, got ${describe(this.value)}`);
    return this.value as number;
  }

  int(): number {
    const n = this.number();
    if (!Number.isInteger(n)) this.fail(`expected an integer, got ${n}`);
    return n;
  }

  bool(): boolean {
    if (typeof this.value !== 'boolean')
      this.fail(`expected true or false, got ${describe(this.value)}`);
    return this.value as boolean;
  }

  optString(fallback: string): string {
    return this.isNull() ? fallback : this.string();
  }

  optNumber(fallback: number): number {
    return this.isNull() ? fallback : this.number();
  }

  optInt(fallback: number): number {
    return this.isNull() ? fallback : this.int();
  }

  optBool(fallback: boolean): boolean {
    return this.isNull() ? fallback : this.bool();
  }

  /** An int or a list of ints, expanded to `length` entries (Keras accepts `3` for `[3, 3]`). */
  intTuple(length: number, fallback?: readonly number[]): number[] {
    if (this.isNull()) {
      if (fallback === undefined) this.fail('is required');
      return [...fallback];
    }
    if (typeof this.value === 'number') return new Array<number>(length).fill(this.int());
    const items = this.array().map((r) => r.int());
    if (items.length !== length) this.fail(`expected ${length} integers, got ${items.length}`);
    return items;
  }

  /** A shape with `null` for unknown dimensions, returned with −1 for them. */
  shape(): number[] {
    return this.array().map((r) => {
      if (r.value === null) return -1;
      const d = r.int();
      if (d < 0) r.fail(`dimension must be ≥ 0 or null, got ${d}`);
      return d;
    });
  }
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `"${v.length > 40 ? `${v.slice(0, 40)}…` : v}"`;
  return typeof v === 'object' ? 'an object' : String(v);
}

/** Parse bytes or text as JSON, turning syntax errors into KERAS_BAD_JSON. */
export function parseJson(input: Uint8Array | string, file?: string): unknown {
  let text: string;
  try {
    text =
      typeof input === 'string' ? input : new TextDecoder('utf-8', { fatal: true }).decode(input);
  } catch {
    throw kerasError(
      KERAS_ERROR_CODES.badJson,
      'model.json is not valid UTF-8 text',
      file !== undefined ? { file } : {},
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw kerasError(
      KERAS_ERROR_CODES.badJson,
      `model.json is not valid JSON: ${(e as Error).message}`,
      file !== undefined ? { file } : {},
    );
  }
}
