import { afterEach, describe, expect, it, vi } from 'vitest';
import { listKey, prefetchList, takePrefetchedList } from './session';

afterEach(() => vi.unstubAllGlobals());

describe('list prefetch', () => {
  it('hands the early first page to the first list request only', async () => {
    const fetchMock = vi.fn(async () => new Response(JSON.stringify({ items: [], next_cursor: null }), { status: 200 }));
    vi.stubGlobal('fetch', fetchMock);
    prefetchList('tok', '/clients', '?tab=mine');
    expect(fetchMock).toHaveBeenCalledWith('/api/manager/clients?tab=mine&limit=30', expect.anything());
    const early = takePrefetchedList(listKey('mine', ''));
    await expect(early).resolves.toEqual({ items: [], next_cursor: null });
    // A refetch later (a live update) must ask the server again.
    expect(takePrefetchedList(listKey('mine', ''))).toBeNull();
    // And once the list has been asked for, no new prefetch is made.
    prefetchList('tok', '/clients', '?tab=mine');
    expect(fetchMock).toHaveBeenCalledTimes(1);
  });
});
