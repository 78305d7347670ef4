import { PipelineError } from '../errors';

/** One step of a text pipeline, with character positions for error messages. */
export interface PipelineStep {
  readonly name: string;
  readonly options: Readonly<Record<string, unknown>>;
  /** Position of the pass name in the text. */
  readonly position: number;
  /** Position of each option's value. */
  readonly optionPositions: Readonly<Record<string, number>>;
}

/** Caret display of an error position under the pipeline text. */
export function pointAt(text: string, position: number): string {
  return `\n  ${text}\n  ${' '.repeat(Math.max(0, position))}^`;
}

/**
 * Parse `prune(sparsity=0.5) | cluster(clusters=16, preserveSparsity=true)`.
 * Values: numbers, true/false, quoted strings, bare words, and [lists].
 */
export function parsePipeline(text: string): PipelineStep[] {
  let pos = 0;
  const fail = (message: string, at = pos): never => {
    throw new PipelineError(
      `${message} at position ${at}${pointAt(text, at)}`,
      { position: at },
      'PIPELINE_SYNTAX',
    );
  };
  const skip = (): void => {
    while (pos < text.length && /\s/.test(text[pos]!)) pos++;
  };
  const ident = (what: string): string => {
    skip();
    const m = /^[A-Za-z_][A-Za-z0-9_.-]*/.exec(text.slice(pos));
    if (!m)
      fail(
        `expected ${what}${pos < text.length ? `, found "${text[pos]}"` : ', found end of text'}`,
      );
    pos += m![0].length;
    return m![0];
  };
  const value = (): unknown => {
    skip();
    const c = text[pos];
    if (c === undefined) return fail('expected a value, found end of text');
    if (c === '[') {
      pos++;
      const items: unknown[] = [];
      skip();
      if (text[pos] === ']') {
        pos++;
        return items;
      }
      for (;;) {
        items.push(value());
        skip();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        if (text[pos] === ']') {
          pos++;
          return items;
        }
        fail(`expected "," or "]" in list`);
      }
    }
    if (c === '"' || c === "'") {
      const end = text.indexOf(c, pos + 1);
      if (end < 0) fail('unterminated string');
      const s = text.slice(pos + 1, end);
      pos = end + 1;
      return s;
    }
    const num = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(text.slice(pos));
    if (num && !/[A-Za-z_]/.test(text[pos + num[0].length] ?? '')) {
      pos += num[0].length;
      return Number(num[0]);
    }
    const word = /^[A-Za-z_][A-Za-z0-9_.:/-]*/.exec(text.slice(pos));
    if (!word) return fail(`unexpected "${c}" where a value was expected`);
    pos += word[0].length;
    if (word[0] === 'true') return true;
    if (word[0] === 'false') return false;
    return word[0];
  };

  const steps: PipelineStep[] = [];
  skip();
  if (pos >= text.length) fail('empty pipeline: expected a pass name');
  for (;;) {
    skip();
    const position = pos;
    const name = ident('a pass name');
    const options: Record<string, unknown> = {};
    const optionPositions: Record<string, number> = {};
    skip();
    if (text[pos] === '(') {
      pos++;
      skip();
      if (text[pos] === ')') pos++;
      else {
        for (;;) {
          skip();
          const keyPos = pos;
          const key = ident('an option name');
          skip();
          if (text[pos] !== '=') fail(`expected "=" after option "${key}"`);
          pos++;
          skip();
          const valuePos = pos;
          if (key in options) fail(`option "${key}" given twice`, keyPos);
          options[key] = value();
          optionPositions[key] = valuePos;
          skip();
          if (text[pos] === ',') {
            pos++;
            continue;
          }
          if (text[pos] === ')') {
            pos++;
            break;
          }
          fail(`expected "," or ")" after the value of "${key}"`);
        }
      }
    }
    steps.push({ name, options, position, optionPositions });
    skip();
    if (pos >= text.length) break;
    if (text[pos] !== '|') fail(`expected "|" between passes, found "${text[pos]}"`);
    pos++;
  }
  return steps;
}
