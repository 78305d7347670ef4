/**
 * Rewrites of ONNX op sequences into the single IR activation they spell, before import:
 * hard-swish written as x · Clip(x + 3, 0, 6) / 6 (as PaddlePaddle and older exporters emit it)
 * and x · HardSigmoid(x) with alpha 1/6, beta 1/2.
 */
import { fromTensorProto } from '../proto/tensor-proto';
import type { NodeProto } from '../proto/types';
import type { Const } from './fold';

type Table = Map<string, { kind: 'const'; c: Const } | { kind: 'value' }>;

function scalarOf(
  name: string | undefined,
  table: Table,
  constNodes: Map<string, number>,
): number | undefined {
  if (name === undefined || name === '') return undefined;
  const e = table.get(name);
  if (e?.kind === 'const') return e.c.values.length === 1 ? e.c.values[0] : undefined;
  return constNodes.get(name);
}

function near(a: number | undefined, b: number): boolean {
  return a !== undefined && Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));
}

/** Returns the node list with recognised patterns replaced by synthetic single nodes. */
export function rewritePatterns(nodes: readonly NodeProto[], table: Table): NodeProto[] {
  const constNodes = new Map<string, number>();
  for (const n of nodes) {
    if (n.opType !== 'Constant' || (n.domain ?? '') !== '') continue;
    const t = n.attribute?.find((a) => a.name === 'value')?.t;
    const out = n.output?.[0];
    if (!t || !out) continue;
    try {
      const tensor = fromTensorProto(t, {});
      if (tensor.data.length === 1)
        constNodes.set(out, Number((tensor.data as ArrayLike<number | bigint>)[0]));
    } catch {
      // not a usable scalar; the importer reports real problems
    }
  }
  const uses = new Map<string, number>();
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => {
    for (const x of n.input ?? []) uses.set(x, (uses.get(x) ?? 0) + 1);
    for (const o of n.output ?? []) producer.set(o, i);
  });
  const removed = new Set<number>();
  const replaced = new Map<number, NodeProto>();
  const single = (name: string | undefined): boolean => name !== undefined && uses.get(name) === 1;
  const clipBounds = (n: NodeProto): [number | undefined, number | undefined] => {
    const attrs = new Map((n.attribute ?? []).map((a) => [a.name, a]));
    if (attrs.has('min') || attrs.has('max'))
      return [attrs.get('min')?.f ?? -Infinity, attrs.get('max')?.f ?? Infinity];
    return [scalarOf(n.input?.[1], table, constNodes), scalarOf(n.input?.[2], table, constNodes)];
  };

  nodes.forEach((mul, i) => {
    if (mul.opType !== 'Mul' || (mul.domain ?? '') !== '' || (mul.input ?? []).length !== 2) return;
    const [p, q] = mul.input as [string, string];
    for (const [x, gateName] of [
      [p, q],
      [q, p],
    ] as const) {
      const gi = producer.get(gateName);
      if (gi === undefined || !single(gateName)) continue;
      const gate = nodes[gi]!;
      // x · HardSigmoid(x; 1/6, 1/2) → HardSwish
      if (gate.opType === 'HardSigmoid' && gate.input?.[0] === x) {
        const attrs = new Map((gate.attribute ?? []).map((a) => [a.name, a]));
        if (near(attrs.get('alpha')?.f ?? 0.2, 1 / 6) && near(attrs.get('beta')?.f ?? 0.5, 0.5)) {
          removed.add(gi);
          replaced.set(i, {
            name: mul.name ?? '',
            opType: 'HardSwish',
            input: [x],
            output: [...(mul.output ?? [])],
          });
          return;
        }
      }
      // x · Clip(x + 3, 0, 6), then / 6 or · (1/6)
      if (gate.opType === 'Clip') {
        const [lo, hi] = clipBounds(gate);
        const ai = producer.get(gate.input?.[0] ?? '');
        if (!near(lo, 0) || !near(hi, 6) || ai === undefined || !single(gate.input?.[0])) continue;
        const add = nodes[ai]!;
        if (add.opType !== 'Add') continue;
        const [a0, a1] = (add.input ?? []) as [string, string];
        const three =
          a0 === x
            ? scalarOf(a1, table, constNodes)
            : a1 === x
              ? scalarOf(a0, table, constNodes)
              : undefined;
        if (!near(three, 3)) continue;
        const out = mul.output?.[0];
        if (!single(out)) continue;
        const di = nodes.findIndex(
          (n) => (n.input ?? [])[0] === out || ((n.input ?? [])[1] === out && n.opType === 'Mul'),
        );
        if (di < 0) continue;
        const div = nodes[di]!;
        const other = div.input?.[0] === out ? div.input?.[1] : div.input?.[0];
        const k = scalarOf(other, table, constNodes);
        const ok =
          (div.opType === 'Div' && div.input?.[0] === out && near(k, 6)) ||
          (div.opType === 'Mul' && near(k, 1 / 6));
        if (!ok) continue;
        removed.add(ai);
        removed.add(gi);
        removed.add(i);
        replaced.set(di, {
          name: div.name || mul.name || '',
          opType: 'HardSwish',
          input: [x],
          output: [...(div.output ?? [])],
        });
        return;
      }
    }
  });
  return nodes.flatMap((n, i) =>
    replaced.has(i) ? [replaced.get(i)!] : removed.has(i) ? [] : [n],
  );
}
