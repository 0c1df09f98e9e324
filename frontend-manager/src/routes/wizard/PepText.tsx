import { pepBlocks } from './pepBlocks';

/** The PEP agreement as formatted text (see pepBlocks). */
export function PepText({ text }: { text: string }) {
  return (
    <>
      {pepBlocks(text).map((block, i) => {
        if (block.kind === 'heading') return <h3 key={i}>{block.text}</h3>;
        if (block.kind === 'paragraph') return <p key={i}>{block.text}</p>;
        return (
          <ol key={i} start={Number(block.items[0]?.number ?? 1)}>
            {block.items.map((item) => (
              <li key={item.number}>{item.text}</li>
            ))}
          </ol>
        );
      })}
    </>
  );
}
