/**
 * The filter of a convolution's input gradient as a forward convolution of dy: HWIO `filter`
 * [kh, kw, cin, cout] rotated by 180° and with its channel axes swapped, [kh, kw, cout, cin]:
 * out[r][s][o][i] = filter[kh−1−r][kw−1−s][i][o].
 */
export function flippedTransposedFilter(
  filter: Float32Array,
  kh: number,
  kw: number,
  cin: number,
  cout: number,
): Float32Array {
  if (filter.length !== kh * kw * cin * cout)
    throw new RangeError(
      `flippedTransposedFilter: filter must hold ${kh}·${kw}·${cin}·${cout} floats, got ${filter.length}`,
    );
  const out = new Float32Array(filter.length);
  const plane = cin * cout;
  for (let r = 0; r < kh; r++)
    for (let s = 0; s < kw; s++) {
      const src = ((kh - 1 - r) * kw + (kw - 1 - s)) * plane;
      const dst = (r * kw + s) * plane;
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++) out[dst + o * cin + i] = filter[src + i * cout + o]!;
    }
  return out;
}
