import { describe, expect, it } from 'vitest';
import { canHash, sha256Hex } from './sha256';

describe('sha256Hex', () => {
  it('gives the standard digests in lower-case hex', async () => {
    expect(canHash()).toBe(true);
    expect(await sha256Hex(new TextEncoder().encode('abc'))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(await sha256Hex(new Uint8Array())).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });
});
