import { describe, expect, it } from 'vitest';
import { formatPhone, moneyFor, perPeriod } from './format';

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

describe('moneyFor', () => {
  // Intl writes a no-break space between thousands and before the ruble sign.
  const plain = (s: string) => s.replace(/\u00a0|\u202f/g, ' ');
  it('says what a subscription price is for', () => {
    expect(plain(moneyFor('990.00', 1))).toBe('990,00 ₽ в месяц');
    expect(plain(moneyFor('11880.00', 12))).toBe('11 880,00 ₽ за 12 месяцев');
    expect(plain(moneyFor('2970.00', 3))).toBe('2 970,00 ₽ за 3 месяца');
    expect(plain(perPeriod(21))).toBe('за 21 месяц');
  });
  it('is the bare sum without a period', () => {
    expect(plain(moneyFor('990.00', null))).toBe('990,00 ₽');
    expect(perPeriod(0)).toBe('');
  });
});
