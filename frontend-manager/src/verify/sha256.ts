// The file's SHA-256, computed in the browser: only the hash is sent, never the file.

/** WebCrypto's digest exists only in a secure context (https, or localhost). */
export function canHash(): boolean {
  return typeof crypto !== 'undefined' && typeof crypto.subtle?.digest === 'function';
}

export async function sha256Hex(data: ArrayBuffer | Uint8Array<ArrayBuffer>): Promise<string> {
  // A view of this realm's Uint8Array: WebCrypto implementations check the type, and a buffer
  // from another realm (a test's DOM, a frame) would fail it.
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
