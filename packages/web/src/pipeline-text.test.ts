import { PassRegistry, parsePipeline } from '@collabopt/core';
import { registerPruningPasses } from '@collabopt/pruning';
import { registerQuantizationPasses } from '@collabopt/quantization';
import {
  formatOptionValue,
  formatPipeline,
  formatPipelineStep,
  optionValueFromText,
} from './pipeline-text';

const passes = new PassRegistry();
registerPruningPasses(passes);
registerQuantizationPasses(passes);
const schemaOf = (name: string) => passes.get(name).options;

describe('pipeline text from the option forms', () => {
  it('writes only the options that differ from their defaults', () => {
    const prune = schemaOf('prune');
    expect(formatPipelineStep({ name: 'prune', values: {} }, prune)).toBe('prune');
    const sparsityDefault = prune['sparsity']!.default;
    expect(
      formatPipelineStep({ name: 'prune', values: { sparsity: sparsityDefault } }, prune),
    ).toBe('prune');
    const keys = Object.keys(prune);
    const text = formatPipelineStep(
      { name: 'prune', values: { epochs: 3, sparsity: 0.75 } },
      prune,
    );
    // in the schema's order
    const expected =
      keys.indexOf('sparsity') < keys.indexOf('epochs')
        ? 'prune(sparsity=0.75, epochs=3)'
        : 'prune(epochs=3, sparsity=0.75)';
    expect(text).toBe(expected);
  });

  it('writes values the pipeline parser reads back as the same values', () => {
    expect(formatOptionValue(true)).toBe('true');
    expect(formatOptionValue('int8')).toBe('int8');
    expect(formatOptionValue('true')).toBe('"true"'); // a string, not the boolean
    expect(formatOptionValue('two words')).toBe('"two words"');
    expect(formatOptionValue([1, 2.5])).toBe('[1, 2.5]');
    const text = 'x(a=true, b="true", c=int8, d="two words", e=[1, 2.5], f=[a, "b c"])';
    const parsed = parsePipeline(
      `x(a=${formatOptionValue(true)}, b=${formatOptionValue('true')}, c=${formatOptionValue('int8')}, d=${formatOptionValue('two words')}, e=${formatOptionValue([1, 2.5])}, f=${formatOptionValue(['a', 'b c'])})`,
    );
    expect(parsed[0]!.options).toEqual(parsePipeline(text)[0]!.options);
    expect(parsed[0]!.options).toEqual({
      a: true,
      b: 'true',
      c: 'int8',
      d: 'two words',
      e: [1, 2.5],
      f: ['a', 'b c'],
    });
  });

  it('writes a pipeline the pass registry accepts, with the options the forms set', () => {
    const text = formatPipeline(
      [
        { name: 'prune', values: { sparsity: 0.75, epochs: 1, frequency: 10 } },
        { name: 'ptq', values: { mode: 'int8' } },
      ],
      schemaOf,
    );
    expect(text).toMatch(/^prune\(.*\) \| ptq/);
    const [prune] = passes.fromText(text);
    expect(prune!.name).toBe('prune');
    expect(parsePipeline(text)[0]!.options).toEqual({ sparsity: 0.75, epochs: 1, frequency: 10 });
  });

  it('reads form fields by the option kind; an empty field leaves the default', () => {
    const spec = (kind: 'number' | 'integer' | 'numbers' | 'strings' | 'boolean' | 'enum') => ({
      kind,
      description: '',
    });
    expect(optionValueFromText(spec('number'), ' 0.25 ')).toBe(0.25);
    expect(optionValueFromText(spec('integer'), '')).toBeUndefined();
    expect(optionValueFromText(spec('numbers'), '1, 2')).toEqual([1, 2]);
    expect(optionValueFromText(spec('strings'), 'a, b')).toEqual(['a', 'b']);
    expect(optionValueFromText(spec('enum'), 'int8')).toBe('int8');
    // not a number: passed on as text so the pass's own check names the option and the range
    expect(optionValueFromText(spec('number'), 'abc')).toBe('abc');
  });
});
