import { compressionReduction, formatBytes, formatCompression, formatPercent } from './compression';

describe('the compression column', () => {
  it('writes raw → zipped (reduction %) in binary units', () => {
    // 102400 B = 100.0 KiB; 33178 B = 32.40 KiB; 1 − 33178/102400 = 0.67600…
    expect(formatCompression(102400, 33178)).toBe('100.0 KiB → 32.4 KiB (67.6%)');
    expect(compressionReduction(1000, 250)).toBeCloseTo(0.75, 12);
  });

  it('picks B, KiB or MiB by size', () => {
    expect(formatBytes(812)).toBe('812 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(5 * 1024 * 1024)).toBe('5.00 MiB');
  });

  it('leaves unknown figures empty', () => {
    expect(formatCompression(undefined, 10)).toBe('');
    expect(formatPercent(undefined)).toBe('');
    expect(formatPercent(0.98765)).toBe('98.77%');
  });
});
