import { describe, expect, it, vi } from 'vitest';
import { checkSource, MAX_SOURCE_BYTES, PhotoRejected, resizePhoto, TARGET_BYTES, targetSize } from './resize';

describe('targetSize', () => {
  it('brings a 4000×3000 camera photo to 1200×900', () => {
    expect(targetSize(4000, 3000)).toEqual({ width: 1200, height: 900 });
  });
  it('keeps portrait orientation', () => {
    expect(targetSize(3000, 4000)).toEqual({ width: 900, height: 1200 });
  });
  it('never upscales', () => {
    expect(targetSize(800, 600)).toEqual({ width: 800, height: 600 });
    expect(targetSize(1200, 1200)).toEqual({ width: 1200, height: 1200 });
  });
  it('rounds odd ratios and keeps at least one pixel', () => {
    expect(targetSize(4032, 3024)).toEqual({ width: 1200, height: 900 });
    expect(targetSize(10000, 3)).toEqual({ width: 1200, height: 1 });
  });
  it('refuses an empty image', () => {
    expect(() => targetSize(0, 10)).toThrow(RangeError);
  });
});

describe('checkSource', () => {
  it('refuses files that are not images', () => {
    expect(() => checkSource(new Blob(['x'], { type: 'application/pdf' }))).toThrow(PhotoRejected);
  });
  it('refuses originals over the limit with the sizes in the message', () => {
    const big = { type: 'image/jpeg', size: MAX_SOURCE_BYTES + 1 } as Blob;
    expect(() => checkSource(big)).toThrow(/слишком большое/);
  });
});

function fakeCanvas() {
  return { width: 0, height: 0 } as HTMLCanvasElement;
}

describe('resizePhoto', () => {
  it('decodes with EXIF orientation, resizes to the target and encodes JPEG 0.82', async () => {
    const close = vi.fn();
    const bitmap = { width: 4000, height: 3000, close } as unknown as ImageBitmap;
    const resize = vi.fn(async (_from: unknown, to: HTMLCanvasElement) => to);
    const toBlob = vi.fn(async () => new Blob([new Uint8Array(200 * 1024)], { type: 'image/jpeg' }));
    const canvas = fakeCanvas();
    const result = await resizePhoto(new Blob(['x'], { type: 'image/jpeg' }), {
      decode: async () => bitmap,
      pica: async () => ({ resize, toBlob }),
      createCanvas: () => canvas,
    });
    expect(canvas.width).toBe(1200);
    expect(canvas.height).toBe(900);
    expect(resize).toHaveBeenCalledWith(bitmap, canvas, { filter: 'lanczos2' });
    expect(toBlob).toHaveBeenCalledWith(canvas, 'image/jpeg', 0.82);
    expect(result).toMatchObject({ width: 1200, height: 900 });
    expect(result.blob.type).toBe('image/jpeg');
    expect(close).toHaveBeenCalled();
  });

  it('lowers the quality until the photo fits 400 KB', async () => {
    const sizes = [900 * 1024, 500 * 1024, 300 * 1024];
    const toBlob = vi.fn(async () => new Blob([new Uint8Array(sizes.shift() as number)], { type: 'image/jpeg' }));
    const result = await resizePhoto(new Blob(['x'], { type: 'image/jpeg' }), {
      decode: async () => ({ width: 2000, height: 2000, close() {} }) as unknown as ImageBitmap,
      pica: async () => ({ resize: async (_f: unknown, t: HTMLCanvasElement) => t, toBlob }),
      createCanvas: fakeCanvas,
    });
    expect(toBlob.mock.calls.map((c) => (c as unknown[])[2])).toEqual([0.82, 0.72, 0.62]);
    expect(result.blob.size).toBeLessThanOrEqual(TARGET_BYTES);
  });
});
