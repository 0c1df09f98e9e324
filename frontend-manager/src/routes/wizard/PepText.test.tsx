import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { PepText } from './PepText';
import { pepBlocks } from './pepBlocks';

const TEXT = `# Соглашение об использовании простой электронной подписи

Версия 1 от 23 ноября 2026 года.

1. Настоящее соглашение заключается между Оператором
   и клиентом.
2. Простой электронной подписью является
   одноразовый код.
`;

describe('PEP agreement text', () => {
  it('keeps a wrapped item in one piece and numbers the list', () => {
    expect(pepBlocks(TEXT)).toEqual([
      { kind: 'heading', text: 'Соглашение об использовании простой электронной подписи' },
      { kind: 'paragraph', text: 'Версия 1 от 23 ноября 2026 года.' },
      {
        kind: 'list',
        items: [
          { number: '1', text: 'Настоящее соглашение заключается между Оператором и клиентом.' },
          { number: '2', text: 'Простой электронной подписью является одноразовый код.' },
        ],
      },
    ]);
  });

  it('renders a heading, paragraphs and an ordered list', () => {
    render(<PepText text={TEXT} />);
    expect(screen.getByRole('heading', { name: /Соглашение об использовании/ })).toBeInTheDocument();
    const items = screen.getAllByRole('listitem');
    expect(items).toHaveLength(2);
    expect(items[0]).toHaveTextContent('Настоящее соглашение заключается между Оператором и клиентом.');
    expect(screen.queryByText(/^#/)).toBeNull();
  });
});
