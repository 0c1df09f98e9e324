import { describe, expect, it } from 'vitest';
import { formatPhone } from './format';

describe('formatPhone', () => {
  it('shows a stored phone the way people write it', () => {
    expect(formatPhone('+79166308337')).toBe('+7 916 630-83-37');
    expect(formatPhone('8 (916) 630 83 37')).toBe('+7 916 630-83-37');
    expect(formatPhone('9166308337')).toBe('+7 916 630-83-37');
  });
  it('leaves what is not a Russian number alone', () => {
    expect(formatPhone('+44 20 7946 0958')).toBe('+44 20 7946 0958');
    expect(formatPhone('')).toBe('');
    expect(formatPhone(null)).toBe('');
  });
});
