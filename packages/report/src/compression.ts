/** Bytes as a short human size: `812 B`, `96.3 KiB`, `4.20 MiB`. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '';
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(2)} MiB`;
}

/** Fraction of the raw size that compression removes (0.676 for 100 → 32.4). */
export function compressionReduction(rawBytes: number, zippedBytes: number): number {
  return rawBytes > 0 ? 1 - zippedBytes / rawBytes : 0;
}

/**
 * The seed's compression column, `raw → zipped (reduction %)`, e.g. `96.3 KiB → 31.2 KiB (67.6%)`;
 * empty when either size is unknown. Shared by the terminal tables and the HTML report.
 */
export function formatCompression(rawBytes?: number, zippedBytes?: number): string {
  if (rawBytes === undefined || zippedBytes === undefined) return '';
  const reduction = compressionReduction(rawBytes, zippedBytes) * 100;
  return `${formatBytes(rawBytes)} → ${formatBytes(zippedBytes)} (${reduction.toFixed(1)}%)`;
}

/** A fraction as a percentage with two decimals (`0.9871` → `98.71%`); empty when unknown. */
export function formatPercent(fraction?: number, digits = 2): string {
  return fraction === undefined || !Number.isFinite(fraction)
    ? ''
    : `${(fraction * 100).toFixed(digits)}%`;
}

/** Milliseconds as seconds with one decimal (`12345` → `12.3 s`); empty when unknown. */
export function formatSeconds(ms?: number): string {
  return ms === undefined ? '' : `${(ms / 1000).toFixed(1)} s`;
}
