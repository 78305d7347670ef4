/**
 * The centroids a value may take in the rate-aware assignment at λ: every one but `exclude` at
 * λ = 0 (nearest centroid), only those with a share > 0 at λ > 0 (an empty cluster's rate is
 * infinite).
 */
export function rateCandidates(
  shares: ArrayLike<number>,
  lambda: number,
  exclude?: number,
): number[] {
  const candidates: number[] = [];
  for (let j = 0; j < shares.length; j++)
    if (j !== exclude && (lambda === 0 || shares[j]! > 0)) candidates.push(j);
  return candidates;
}
