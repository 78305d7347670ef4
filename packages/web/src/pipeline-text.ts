/**
 * Pipeline text from form values: what the per-pass forms write into the pipeline field, in the
 * CLI's syntax (`prune(sparsity=0.5, epochs=1) | ptq`), so the user sees — and could have typed —
 * exactly what runs. Only options that differ from their default are written.
 */
import type { OptionSchema, OptionSpec, OptionValue } from '@collabopt/core';

/** One step as the form holds it: the pass name and the options the user set. */
export interface PipelineStepValues {
  readonly name: string;
  readonly values: Readonly<Record<string, OptionValue | undefined>>;
}

const BARE_WORD = /^[A-Za-z_][A-Za-z0-9_.:/-]*$/;

function formatScalar(v: number | boolean | string): string {
  if (typeof v !== 'string') return String(v);
  // A bare word reads back as the same string unless it is a boolean literal.
  if (BARE_WORD.test(v) && v !== 'true' && v !== 'false') return v;
  return v.includes('"') ? `'${v}'` : `"${v}"`;
}

/** A value in the pipeline syntax: numbers, true/false, words or quoted strings, [lists]. */
export function formatOptionValue(v: OptionValue): string {
  return Array.isArray(v)
    ? `[${(v as readonly (number | string)[]).map(formatScalar).join(', ')}]`
    : formatScalar(v as number | boolean | string);
}

function sameValue(a: OptionValue, b: OptionValue): boolean {
  return Array.isArray(a) && Array.isArray(b)
    ? a.length === b.length && a.every((x, i) => x === b[i])
    : a === b;
}

/** `name(k=v, …)` with the options that differ from the schema's defaults, `name` when none do. */
export function formatPipelineStep(step: PipelineStepValues, schema: OptionSchema): string {
  const parts: string[] = [];
  for (const [key, spec] of Object.entries(schema) as [string, OptionSpec][]) {
    const v = step.values[key];
    if (v === undefined) continue;
    if (spec.default !== undefined && sameValue(v, spec.default)) continue;
    parts.push(`${key}=${formatOptionValue(v)}`);
  }
  return parts.length > 0 ? `${step.name}(${parts.join(', ')})` : step.name;
}

/** The whole pipeline: steps joined by ` | `. */
export function formatPipeline(
  steps: readonly PipelineStepValues[],
  schemaOf: (name: string) => OptionSchema,
): string {
  return steps.map((s) => formatPipelineStep(s, schemaOf(s.name))).join(' | ');
}

/**
 * A form field's text as an option value of its kind: undefined for an empty field (the default
 * applies); numbers as numbers (range checking is the pass's own, with its error message);
 * lists split on commas.
 */
export function optionValueFromText(spec: OptionSpec, text: string): OptionValue | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  switch (spec.kind) {
    case 'number':
    case 'integer':
      return Number.isFinite(Number(t)) ? Number(t) : t;
    case 'boolean':
      return t === 'true';
    case 'numbers':
      return t.split(',').map((s) => Number(s.trim()));
    case 'strings':
      return t.split(',').map((s) => s.trim());
    default:
      return t;
  }
}
