import type { EvaluateResult } from './engine';
import { describeEvaluation, evaluationToJson } from './evaluation-summary';

describe('evaluation summary', () => {
  test('labelled: accuracy', () => {
    const r: EvaluateResult = {
      count: 4,
      loss: 0.5,
      accuracy: 0.75,
      metric: { name: 'accuracy', value: 0.75 },
    };
    expect(describeEvaluation(r)).toBe('accuracy 75.00%');
  });

  test('unlabelled single classifier output: top-1 agreement, then its SQNR and max error', () => {
    const r: EvaluateResult = {
      count: 8,
      agreement: [
        {
          output: 'probs',
          head: 'softmax',
          top1Agreement: 0.875,
          sqnrDb: 24.06,
          maxRelativeError: 0.0518,
        },
      ],
      metric: { name: 'top1Agreement', value: 0.875 },
    };
    expect(describeEvaluation(r)).toBe('top-1 agreement 87.50% (SQNR 24.1 dB, max rel. err 0.052)');
  });

  test('unlabelled single regression output: SQNR and max relative error', () => {
    const r: EvaluateResult = {
      count: 8,
      agreement: [{ output: 'boxes', head: 'linear', sqnrDb: 31.44, maxRelativeError: 0.0312 }],
      metric: { name: 'sqnrDb', value: 31.44 },
    };
    expect(describeEvaluation(r)).toBe('SQNR 31.4 dB, max rel. err 0.031');
  });

  test('unlabelled multi-output: the lowest SQNR, then each output', () => {
    const r: EvaluateResult = {
      count: 10,
      agreement: [
        {
          output: 'scores',
          head: 'softmax',
          top1Agreement: 0.9,
          sqnrDb: 20,
          maxRelativeError: 0.1,
        },
        { output: 'boxes', head: 'linear', sqnrDb: Infinity, maxRelativeError: 0 },
      ],
      metric: { name: 'sqnrDb', value: 20 },
    };
    expect(describeEvaluation(r)).toBe(
      'SQNR 20.0 dB (scores: top-1 90.0%, SQNR 20.0 dB, max rel. err 0.100; boxes: SQNR ∞ dB, max rel. err 0.000)',
    );
    expect(evaluationToJson(r)).toMatchObject({ agreement: [{}, { sqnrDb: 'Infinity' }] });
  });
});
