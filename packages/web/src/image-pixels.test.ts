import { drawRects, pixelsFromRgba } from './image-pixels';

/** The source window [sx, sy, sw, sh] drawn into the target window [dx, dy, dw, dh]. */
const rects = (source: number[], target: number[]) => {
  const [sx, sy, sw, sh] = source;
  const [dx, dy, dw, dh] = target;
  return { sx, sy, sw, sh, dx, dy, dw, dh };
};

describe('in-browser image pixels', () => {
  it('stretches (and draws unresized images) onto the whole target', () => {
    expect(drawRects('stretch', 40, 20, 28, 28)).toEqual(rects([0, 0, 40, 20], [0, 0, 28, 28]));
    expect(drawRects('none', 28, 28, 28, 28)).toMatchObject({ sw: 28, sh: 28, dw: 28, dh: 28 });
  });

  it('crops the centre of a 40×20 image to cover a 10×10 target', () => {
    // scale = max(10/40, 10/20) = 0.5: the source window is 20×20 centred at x 10..30
    expect(drawRects('crop', 40, 20, 10, 10)).toEqual(rects([10, 0, 20, 20], [0, 0, 10, 10]));
  });

  it('pads a 40×20 image into a 10×10 target, centred', () => {
    // scale = min(10/40, 10/20) = 0.25: drawn 10×5, 2.5 rows of black above and below
    expect(drawRects('pad', 40, 20, 10, 10)).toEqual(rects([0, 0, 40, 20], [0, 2.5, 10, 5]));
  });

  it('keeps RGB, and turns RGBA into Rec. 709 luma (gray stays exact)', () => {
    const rgba = Uint8ClampedArray.from([10, 20, 30, 255, 200, 200, 200, 255, 255, 0, 0, 128]);
    expect(Array.from(pixelsFromRgba(rgba, 3))).toEqual([10, 20, 30, 200, 200, 200, 255, 0, 0]);
    // 0.2126·10 + 0.7152·20 + 0.0722·30 = 18.7 → 19; pure red 0.2126·255 = 54.2 → 54
    expect(Array.from(pixelsFromRgba(rgba, 1))).toEqual([19, 200, 54]);
  });
});
