// The app's one IndexedDB database (through `idb`, a ~1 KB promise wrapper kept by the author
// of the IndexedDB spec's tests): the outbox of steps saved offline, the photo queue, and the
// key that encrypts what they hold. Logout deletes the whole database.
import { deleteDB, openDB, type DBSchema, type IDBPDatabase } from 'idb';

export interface SealedBox {
  iv: Uint8Array;
  data: ArrayBuffer;
}

/** Steps 1 and 2, and a new device of step 3 (`step` is then `3-device-<its key>`). */
export type OutboxKind = 'profile' | 'passport' | 'device';

export interface OutboxEntry {
  seq?: number;
  clientId: string;
  step: string;
  kind: OutboxKind;
  /** The client's version the values were typed against (optimistic locking). */
  version: number;
  idempotencyKey: string;
  /** The request body, encrypted (AES-GCM): it holds personal data. */
  body: SealedBox;
  createdAt: number;
  /** Set when the server refused a replay: 'conflict' (409) or 'rejected' (4xx). */
  failure?: { status: number; code?: string; detail?: string } | null;
}

export interface QueuedPhoto {
  localId: string;
  clientId: string;
  deviceId: string;
  name: string;
  blob: Blob;
  createdAt: number;
  /** Set once the file is in storage: a retry only confirms this key (an answer to the
   * confirmation lost on the way must not upload the photo a second time). */
  fileKey?: string | null;
}

interface PrivetDB extends DBSchema {
  outbox: { key: number; value: OutboxEntry; indexes: { byClient: string } };
  photos: { key: string; value: QueuedPhoto; indexes: { byDevice: [string, string] } };
  keys: { key: string; value: { name: string; key: CryptoKey } };
}

export const DB_NAME = 'privet-manager';
let opened: Promise<IDBPDatabase<PrivetDB>> | null = null;

export function db(): Promise<IDBPDatabase<PrivetDB>> {
  opened ??= openDB<PrivetDB>(DB_NAME, 1, {
    upgrade(d) {
      const outbox = d.createObjectStore('outbox', { keyPath: 'seq', autoIncrement: true });
      outbox.createIndex('byClient', 'clientId');
      const photos = d.createObjectStore('photos', { keyPath: 'localId' });
      photos.createIndex('byDevice', ['clientId', 'deviceId']);
      d.createObjectStore('keys', { keyPath: 'name' });
    },
    terminated() {
      opened = null;
    },
  });
  return opened;
}

/** Logout: the key, the outbox and the photo queue go at once. */
export async function deleteEverything(): Promise<void> {
  const current = opened;
  opened = null;
  if (current) {
    try {
      (await current).close();
    } catch {
      /* it never opened */
    }
  }
  await deleteDB(DB_NAME);
}
