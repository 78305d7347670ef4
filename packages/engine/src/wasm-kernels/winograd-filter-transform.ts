/**
 * The filter transform of Winograd F(2×2, 3×3): for every in/out channel pair, U = G·g·Gᵀ of the
 * 3×3 filter g, with G = [[1, 0, 0], [½, ½, ½], [½, −½, ½], [0, 0, 1]]. `filter` is HWIO
 * ([3, 3, cin, cout]); `out` receives U as [16][cin][cout] (position ξ = 4·row + column first),
 * the layout convForwardWinograd multiplies by.
 */
export function winogradFilterTransform(
  filter: Float32Array,
  cin: number,
  cout: number,
  out: Float32Array,
): void {
  const plane = cin * cout;
  if (filter.length !== 9 * plane || out.length !== 16 * plane)
    throw new RangeError(
      `winogradFilterTransform: filter must hold 9·${plane} floats and out 16·${plane}, got ${filter.length} and ${out.length}`,
    );
  const g = new Float64Array(9);
  const t = new Float64Array(12); // G·g, 4×3
  for (let i = 0; i < plane; i++) {
    for (let k = 0; k < 9; k++) g[k] = filter[k * plane + i]!;
    for (let c = 0; c < 3; c++) {
      const g0 = g[c]!;
      const g1 = g[3 + c]!;
      const g2 = g[6 + c]!;
      t[c] = g0;
      t[3 + c] = 0.5 * (g0 + g1 + g2);
      t[6 + c] = 0.5 * (g0 - g1 + g2);
      t[9 + c] = g2;
    }
    for (let r = 0; r < 4; r++) {
      const a0 = t[3 * r]!;
      const a1 = t[3 * r + 1]!;
      const a2 = t[3 * r + 2]!;
      out[4 * r * plane + i] = a0;
      out[(4 * r + 1) * plane + i] = 0.5 * (a0 + a1 + a2);
      out[(4 * r + 2) * plane + i] = 0.5 * (a0 - a1 + a2);
      out[(4 * r + 3) * plane + i] = a2;
    }
  }
}
