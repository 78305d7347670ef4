import { PipelineError } from '../errors';
import { parsePipeline } from './pipeline-parser';

describe('parsePipeline', () => {
  it('parses passes, options and value types', () => {
    const steps = parsePipeline(
      'prune(sparsity=0.5, schedule=polynomial) | cluster(clusters=16, preserveSparsity=true) | ptq(mode=\'int8\', layers=[conv1, "d 2"], ids=[1, -2.5e1]) | strip',
    );
    expect(steps.map((s) => s.name)).toEqual(['prune', 'cluster', 'ptq', 'strip']);
    expect(steps[0]!.options).toEqual({ sparsity: 0.5, schedule: 'polynomial' });
    expect(steps[1]!.options).toEqual({ clusters: 16, preserveSparsity: true });
    expect(steps[2]!.options).toEqual({ mode: 'int8', layers: ['conv1', 'd 2'], ids: [1, -25] });
    expect(steps[3]!.options).toEqual({});
    expect(steps[1]!.position).toBe(43);
    expect(steps[0]!.optionPositions['sparsity']).toBe(15);
  });

  it.each([
    ['', /empty pipeline/],
    ['prune(', /expected an option name, found end of text at position 6/],
    ['prune(sparsity 0.5)', /expected "=" after option "sparsity" at position 15/],
    ['prune(sparsity=0.5', /expected "," or "\)" after the value of "sparsity"/],
    ['prune(a=1, a=2)', /option "a" given twice at position 11/],
    ['prune cluster', /expected "\|" between passes, found "c" at position 6/],
    ['prune | ', /expected a pass name, found end of text/],
    ["q(mode='int8)", /unterminated string/],
    ['q(x=[1, 2)', /expected "," or "\]" in list/],
    ['q(x=#)', /unexpected "#"/],
  ])('rejects %p with a positioned error', (text, message) => {
    expect(() => parsePipeline(text)).toThrow(PipelineError);
    expect(() => parsePipeline(text)).toThrow(message);
  });

  it('shows a caret under the error position', () => {
    try {
      parsePipeline('prune(sparsity 0.5)');
      throw new Error('no error');
    } catch (e) {
      expect((e as PipelineError).code).toBe('PIPELINE_SYNTAX');
      expect((e as PipelineError).message).toContain('\n  prune(sparsity 0.5)\n                 ^');
    }
  });
});
