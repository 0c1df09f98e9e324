// What the outbox keeps at rest is encrypted with AES-GCM under a key that never leaves the
// browser: generated non-extractable (the page's own script cannot read its bytes) and kept in
// IndexedDB as a CryptoKey object. Logout deletes it with the database.
import { db, type SealedBox } from './db';

const KEY_NAME = 'outbox';
let cached: Promise<CryptoKey> | null = null;

async function loadOrCreateKey(): Promise<CryptoKey> {
  const store = await db();
  const found = await store.get('keys', KEY_NAME);
  if (found) return found.key;
  const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  // Two tabs may race: whichever key is stored first wins, both use it.
  const tx = store.transaction('keys', 'readwrite');
  const again = await tx.store.get(KEY_NAME);
  if (again) {
    await tx.done;
    return again.key;
  }
  await tx.store.put({ name: KEY_NAME, key });
  await tx.done;
  return key;
}

function key(): Promise<CryptoKey> {
  cached ??= loadOrCreateKey().catch((err: unknown) => {
    cached = null;
    throw err;
  });
  return cached;
}

export function forgetKey(): void {
  cached = null;
}

export async function seal(value: unknown): Promise<SealedBox> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const plain = new TextEncoder().encode(JSON.stringify(value));
  const data = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, await key(), plain);
  return { iv, data };
}

export async function open<T>(box: SealedBox): Promise<T> {
  const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: box.iv as BufferSource }, await key(), box.data);
  return JSON.parse(new TextDecoder().decode(plain)) as T;
}
