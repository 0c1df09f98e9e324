import { describe, expect, it } from 'vitest';
import { createSseParser, type ServerEvent } from './events';

describe('createSseParser', () => {
  it('parses named events split across chunks', () => {
    const got: ServerEvent[] = [];
    const feed = createSseParser((e) => got.push(e));
    feed('event: client.claimed\ndata: {"client_id"');
    feed(': 5}\n\n: keep-alive\n\nevent: client.processed\r\ndata: {"client_id": 6}\r\n\r\n');
    expect(got).toEqual([
      { event: 'client.claimed', data: '{"client_id": 5}', id: undefined },
      { event: 'client.processed', data: '{"client_id": 6}', id: undefined },
    ]);
  });
  it('joins multi-line data and resets the event name', () => {
    const got: ServerEvent[] = [];
    const feed = createSseParser((e) => got.push(e));
    feed('id: 3\ndata: a\ndata: b\n\ndata: c\n\n');
    expect(got[0]).toEqual({ event: 'message', data: 'a\nb', id: '3' });
    expect(got[1].event).toBe('message');
  });
});
