// Steps saved while the server cannot be reached wait here (IndexedDB, encrypted) and are sent
// in the order they were saved once it can: each with the Idempotency-Key it was queued with
// (a retry whose answer was lost replays the first answer instead of writing twice) and the
// client's version it was typed against (a change by someone else meanwhile is a 409, shown
// to the manager with what changed; the typed values stay).
import { useSyncExternalStore } from 'react';
import {
  createDevice,
  putPassport,
  updateProfile,
  type DeviceInput,
  type PassportInput,
  type ProfileInput,
} from '../api/endpoints';
import { newIdempotencyKey } from '../api/client';
import { ApiError } from '../api/errors';
import { removeDraft } from '../lib/drafts';
import { getAuthState, subscribeAuth } from '../api/session';
import { isOnline, subscribeConnectivity } from './connectivity';
import { open, seal } from './crypto';
import { db, type OutboxEntry, type OutboxKind } from './db';

export type { OutboxEntry };

type Body = ProfileInput | PassportInput | DeviceInput;

export interface OutboxView {
  seq: number;
  clientId: string;
  step: string;
  kind: OutboxKind;
  failure: OutboxEntry['failure'];
}

let entries: OutboxView[] = [];
const listeners = new Set<() => void>();
/** Told a client's id whenever the server answered one of its queued steps (saved, or refused):
 * the screens read that client again. */
const delivered = new Set<(clientId: string) => void>();

function publish(next: OutboxView[]) {
  entries = next;
  listeners.forEach((l) => l());
}

async function reload(): Promise<void> {
  try {
    const all = await (await db()).getAll('outbox');
    publish(
      all.map((e) => ({ seq: e.seq as number, clientId: e.clientId, step: e.step, kind: e.kind, failure: e.failure ?? null })),
    );
  } catch {
    publish([]);
  }
}

export function pendingFor(clientId: string, step?: string): OutboxView[] {
  return entries.filter((e) => e.clientId === clientId && (step === undefined || e.step === step));
}

export function useOutbox(): OutboxView[] {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => entries,
    () => entries,
  );
}

/** The client's new devices saved without a connection (step 3), oldest first. */
export function usePendingDevices(clientId: string): OutboxView[] {
  return useOutbox().filter((e) => e.clientId === clientId && e.kind === 'device');
}

/** Called with a client's id each time the server answered one of its queued steps. */
export function onDelivered(listener: (clientId: string) => void): () => void {
  delivered.add(listener);
  return () => delivered.delete(listener);
}

/** Queue a step's save; a newer save of the same step replaces one not yet sent. A save that
 * may already have reached the server (its answer lost) is queued with the key it was sent
 * with, so that the replay is answered with the first result instead of writing twice. */
export async function enqueue(
  clientId: string,
  step: string,
  kind: OutboxKind,
  version: number,
  body: Body,
  idempotencyKey: string = newIdempotencyKey(),
): Promise<void> {
  const sealed = await seal(body);
  const store = await db();
  const tx = store.transaction('outbox', 'readwrite');
  for (const old of await tx.store.index('byClient').getAll(clientId)) {
    if (old.step === step && old.seq !== undefined) await tx.store.delete(old.seq);
  }
  await tx.store.add({
    clientId,
    step,
    kind,
    version,
    idempotencyKey,
    body: sealed,
    createdAt: Date.now(),
    failure: null,
  });
  await tx.done;
  await reload();
  void flush();
}

/** Drop a step's queued save (the manager saved it again online, or gave it up). */
export async function discard(clientId: string, step: string): Promise<void> {
  const store = await db();
  const tx = store.transaction('outbox', 'readwrite');
  for (const old of await tx.store.index('byClient').getAll(clientId)) {
    if (old.step === step && old.seq !== undefined) await tx.store.delete(old.seq);
  }
  await tx.done;
  await reload();
}

/** The values a queued step holds (to put them back into its form). */
export async function queuedValues<T>(clientId: string, step: string): Promise<T | null> {
  const all = await (await db()).getAllFromIndex('outbox', 'byClient', clientId);
  const entry = all.find((e) => e.step === step);
  return entry ? open<T>(entry.body) : null;
}

/** Sends one queued save; the client's version after it. */
async function send(entry: OutboxEntry, body: Body): Promise<number> {
  switch (entry.kind) {
    case 'profile':
      return (await updateProfile(entry.clientId, entry.version, body as ProfileInput, entry.idempotencyKey)).version;
    case 'passport':
      return (await putPassport(entry.clientId, entry.version, body as PassportInput, entry.idempotencyKey)).version;
    case 'device':
      return (await createDevice(entry.clientId, body as DeviceInput, entry.idempotencyKey)).client_version;
  }
}

let flushing: Promise<void> | null = null;

/** Send what waits, oldest first; stops at the first failure of the network. */
export function flush(): Promise<void> {
  flushing ??= (async () => {
    try {
      await flushOnce();
    } catch {
      // No IndexedDB, or it failed: nothing could have been queued there either.
    } finally {
      flushing = null;
    }
  })();
  return flushing;
}

async function flushOnce(): Promise<void> {
  if (getAuthState().status !== 'authenticated') return;
  const store = await db();
  const blocked = new Set<string>();
  for (const seq of await store.getAllKeys('outbox')) {
    // Read each entry just before it is sent: a delivery before it may have moved its version.
    const entry = await store.get('outbox', seq);
    if (!entry) continue;
    if (entry.failure || blocked.has(entry.clientId)) {
      blocked.add(entry.clientId); // later steps of that client wait behind the refused one
      continue;
    }
    const body = await open<Body>(entry.body);
    try {
      const version = await send(entry, body);
      const tx = store.transaction('outbox', 'readwrite');
      await tx.store.delete(entry.seq as number);
      // Steps queued after this one were typed against the same version: they follow it.
      for (const later of await tx.store.index('byClient').getAll(entry.clientId)) {
        if (later.version === entry.version) await tx.store.put({ ...later, version });
      }
      await tx.done;
      removeDraft(entry.clientId, entry.step);
      delivered.forEach((l) => l(entry.clientId));
    } catch (err) {
      if (err instanceof ApiError && err.status < 500 && err.status !== 401 && err.status !== 408 && err.status !== 429) {
        const failure = { status: err.status, code: err.code, detail: err.problem.detail };
        await store.put('outbox', { ...entry, failure });
        blocked.add(entry.clientId);
        delivered.forEach((l) => l(entry.clientId)); // the card is read again to show what differs
        continue;
      }
      break; // no connection (or the server is down): the rest waits for the next try
    } finally {
      await reload();
    }
  }
}

// Send when the connection returns and when the session (re)starts.
if (typeof window !== 'undefined') {
  void reload().then(() => flush());
  subscribeConnectivity(() => {
    if (isOnline()) void flush();
  });
  subscribeAuth(() => {
    if (getAuthState().status === 'authenticated') void flush();
  });
  // A queue that waits although the browser says it is online (a Wi-Fi without internet):
  // try again now and then.
  setInterval(() => {
    if (entries.some((e) => !e.failure)) void flush();
  }, 15_000);
}
