import { channelIndices, channelLayout, channelMap } from './channels';

describe('channelLayout', () => {
  it('maps a Conv2D kernel [kh,kw,cin,cout] to its output channel (last axis)', () => {
    const l = channelLayout([2, 1, 1, 3], [3]);
    expect(l.count).toBe(3);
    expect([...channelMap(6, l)]).toEqual([0, 1, 2, 0, 1, 2]);
    expect([...channelIndices(l, 1)]).toEqual([1, 4]);
  });

  it('flattens depthwise [kh,kw,cin,mult] channel axes [2,3] as cin·mult + m', () => {
    const l = channelLayout([1, 2, 2, 2], [2, 3]);
    expect(l.count).toBe(4);
    expect([...channelMap(8, l)]).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
  });

  it('handles a leading channel axis (Dense transposed [out,in])', () => {
    const l = channelLayout([2, 3], [0]);
    expect([...channelMap(6, l)]).toEqual([0, 0, 0, 1, 1, 1]);
  });

  it('rejects non-contiguous axes', () => {
    expect(() => channelLayout([2, 2, 2], [0, 2])).toThrow(/contiguous/);
  });
});
