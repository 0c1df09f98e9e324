/**
 * The PEP agreement as formatted text: its own small markdown (a `#` heading, paragraphs,
 * numbered items whose lines wrap) — the same reading the PDF appendix makes of it
 * (server: signing/pdf/document.py `markdown_blocks`). Three constructs do not justify a
 * markdown library in the tablet bundle.
 */
export type PepBlock =
  | { kind: 'heading'; text: string }
  | { kind: 'paragraph'; text: string }
  | { kind: 'list'; items: { number: string; text: string }[] };

const ITEM = /^(\d+)[.)]\s+(.*)$/;

export function pepBlocks(text: string): PepBlock[] {
  const blocks: PepBlock[] = [];
  for (const raw of text.trim().split(/\n\s*\n/)) {
    const lines = raw
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    if (lines.length === 0) continue;
    if (lines[0].startsWith('#')) {
      blocks.push({ kind: 'heading', text: lines[0].replace(/^#+\s*/, '') });
      lines.shift();
    }
    let number = '';
    let current: string[] = [];
    const close = () => {
      if (current.length === 0) return;
      const body = current.join(' ');
      if (!number) {
        blocks.push({ kind: 'paragraph', text: body });
        return;
      }
      const last = blocks[blocks.length - 1];
      if (last && last.kind === 'list') last.items.push({ number, text: body });
      else blocks.push({ kind: 'list', items: [{ number, text: body }] });
    };
    for (const line of lines) {
      const m = ITEM.exec(line);
      if (m) {
        close();
        number = m[1];
        current = [m[2]];
      } else {
        current.push(line);
      }
    }
    close();
  }
  return blocks;
}
