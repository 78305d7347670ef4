import type { EvaluateResult } from './engine';

const fmt = (v: number, digits: number): string =>
  Number.isFinite(v) ? v.toFixed(digits) : v > 0 ? '∞' : String(v);

/**
 * One line for a table or a log: the headline metric, then the per-output agreement, e.g.
 * `accuracy 91.20%`, `top-1 agreement 98.00% (SQNR 24.1 dB, max rel. err 0.052)` (one classifier
 * output), `SQNR 31.4 dB, max rel. err 0.031` (one other output) or
 * `SQNR 31.4 dB (scores: top-1 98.0%, SQNR 35.2 dB, max rel. err 0.031; …)`.
 */
export function describeEvaluation(r: EvaluateResult): string {
  const head =
    r.metric.name === 'accuracy' || r.metric.name === 'top1Agreement'
      ? `${r.metric.name === 'accuracy' ? 'accuracy' : 'top-1 agreement'} ${fmt(100 * r.metric.value, 2)}%`
      : r.metric.name === 'sqnrDb'
        ? `SQNR ${fmt(r.metric.value, 1)} dB`
        : `loss ${fmt(r.metric.value, 4)}`;
  if (r.agreement === undefined || r.agreement.length === 0) return head;
  if (r.agreement.length === 1 && r.metric.name !== 'accuracy') {
    const a = r.agreement[0]!;
    return r.metric.name === 'sqnrDb'
      ? `${head}, max rel. err ${fmt(a.maxRelativeError, 3)}`
      : `${head} (SQNR ${fmt(a.sqnrDb, 1)} dB, max rel. err ${fmt(a.maxRelativeError, 3)})`;
  }
  const outputs = r.agreement.map(
    (a) =>
      `${a.output}: ${a.top1Agreement !== undefined ? `top-1 ${fmt(100 * a.top1Agreement, 1)}%, ` : ''}SQNR ${fmt(a.sqnrDb, 1)} dB, max rel. err ${fmt(a.maxRelativeError, 3)}`,
  );
  return `${head} (${outputs.join('; ')})`;
}

/**
 * The result as JSON-safe data: SQNR of identical outputs (Infinity) becomes the string
 * "Infinity", so a report file keeps it instead of `null`.
 */
export function evaluationToJson(r: EvaluateResult): unknown {
  return JSON.parse(
    JSON.stringify(r, (_k, v: unknown) =>
      typeof v === 'number' && !Number.isFinite(v) ? String(v) : v,
    ),
  );
}
