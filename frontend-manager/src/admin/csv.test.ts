import { toCsv } from './csv';

describe('toCsv', () => {
  it('separates with semicolons, quotes what needs it and starts with a BOM', () => {
    const text = toCsv([
      ['Этап', 'Клиентов'],
      ['Новые; все', 12],
      ['Кавычка "x"', null],
    ]);
    expect(text.startsWith('\ufeff')).toBe(true);
    expect(text.slice(1).split('\r\n')).toEqual(['Этап;Клиентов', '"Новые; все";12', '"Кавычка ""x""";', '']);
  });
});
