import { median } from '../stats';

/**
 * A backend's repetitions against Keras's from the same interleaved rounds: the ratio of the
 * medians, and the median of the per-round ratios (round i's backend over round i's Keras), which
 * cancels load that both sides of one round saw. Rounds where either side has no value are skipped.
 */
export function pairedRatios(
  side: readonly (number | undefined)[],
  peer: readonly (number | undefined)[],
): { ofMedians: number; pairedMedian: number; perRound: number[] } | undefined {
  const pairs: [number, number][] = [];
  for (let i = 0; i < Math.min(side.length, peer.length); i++) {
    const a = side[i];
    const b = peer[i];
    if (a !== undefined && b !== undefined && b > 0) pairs.push([a, b]);
  }
  if (pairs.length === 0) return undefined;
  const perRound = pairs.map(([a, b]) => a / b);
  return {
    ofMedians: median(pairs.map(([a]) => a)) / median(pairs.map(([, b]) => b)),
    pairedMedian: median(perRound),
    perRound,
  };
}
