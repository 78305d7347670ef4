import { tensor } from '../tensor';
import {
  checkCodebook,
  checkMask,
  checkQuantParams,
  checkRange,
  checkWeightQuant,
  quantRange,
} from './checks';

describe('contract checkers', () => {
  it('mask: masked elements must be exactly zero', () => {
    const t = tensor('float32', [4], [0, 2, 0, 3]);
    expect(checkMask(t, { mask: new Uint8Array([0, 1, 0, 1]) })).toEqual({ ok: true });
    const r = checkMask(t, { mask: new Uint8Array([0, 0, 0, 1]) });
    expect(r).toEqual({ ok: false, index: 1, message: 'element 1 is pruned but holds 2' });
  });

  it('codebook per tensor: every weight equals its centroid', () => {
    const t = tensor('float32', [4], [0.5, -1, 0.5, 2]);
    const ok = {
      centroids: new Float32Array([-1, 0.5, 2]),
      indices: new Uint8Array([1, 0, 1, 2]),
      clusters: 3,
    };
    expect(checkCodebook(t, ok)).toEqual({ ok: true });
    const bad = checkCodebook(tensor('float32', [4], [0.5, -1, 0.6, 2]), ok);
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.index).toBe(2);
  });

  it('codebook per channel uses each channel row', () => {
    // Dense kernel [2 in, 2 out], channel axis 1: element i belongs to channel i % 2
    const t = tensor('float32', [2, 2], [1, 10, 2, 20]);
    const cb = {
      centroids: new Float32Array([1, 2, 10, 20]),
      indices: new Uint8Array([0, 0, 1, 1]),
      clusters: 2,
      channelAxes: [1],
    };
    expect(checkCodebook(t, cb)).toEqual({ ok: true });
    expect(checkCodebook(t, { ...cb, centroids: new Float32Array([1, 2, 10]) }).ok).toBe(false);
  });

  it('quant: weights on the per-channel grid and inside the narrow range', () => {
    const q = {
      dtype: 'int8' as const,
      scale: new Float32Array([0.5, 0.25]),
      zeroPoint: new Int32Array([0, 0]),
      channelAxes: [1],
      bits: 8,
      narrowRange: true,
    };
    expect(checkWeightQuant(tensor('float32', [2, 2], [1.5, 0.25, -63.5, -31.75]), q)).toEqual({
      ok: true,
    });
    const off = checkWeightQuant(tensor('float32', [2, 2], [1.5, 0.3, 0, 0]), q);
    expect(!off.ok && off.index).toBe(1);
    const out = checkWeightQuant(tensor('float32', [2, 2], [64, 0, 0, 0]), q); // 128 > 127
    expect(!out.ok && out.message).toMatch(/outside \[-127, 127\]/);
  });

  it('quant ranges and parameters', () => {
    expect(quantRange({ dtype: 'int8', bits: 8, narrowRange: true })).toEqual([-127, 127]);
    expect(quantRange({ dtype: 'int8', bits: 8, narrowRange: false })).toEqual([-128, 127]);
    expect(quantRange({ dtype: 'uint8', bits: 8, narrowRange: false })).toEqual([0, 255]);
    expect(quantRange({ dtype: 'int8', bits: 7, narrowRange: true })).toEqual([-63, 63]);
    const good = {
      dtype: 'int8' as const,
      scale: new Float32Array([0.1]),
      zeroPoint: new Int32Array([-128]),
      bits: 8,
      narrowRange: false,
    };
    expect(checkQuantParams(good)).toEqual({ ok: true });
    expect(checkQuantParams({ ...good, zeroPoint: new Int32Array([200]) }).ok).toBe(false);
    expect(checkQuantParams({ ...good, scale: new Float32Array([NaN]) }).ok).toBe(false);
  });

  it('range: observed values inside the interval', () => {
    expect(checkRange(tensor('float32', [2], [0, 1]), { min: 0, max: 1 })).toEqual({ ok: true });
    expect(checkRange(tensor('float32', [2], [0, 1.5]), { min: 0, max: 1 }).ok).toBe(false);
  });
});
