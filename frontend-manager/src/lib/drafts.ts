// Drafts of the form being typed, kept per tab in sessionStorage so that a reload or a dropped
// connection loses nothing. Removed on a successful save and, all of them, on logout.
const PREFIX = 'pm:draft:';

export function draftKey(clientId: string, step: string): string {
  return `${PREFIX}${clientId}:${step}`;
}

export function loadDraft<T>(clientId: string, step: string): T | null {
  try {
    const raw = sessionStorage.getItem(draftKey(clientId, step));
    return raw ? (JSON.parse(raw) as T) : null;
  } catch {
    return null;
  }
}

export function saveDraft(clientId: string, step: string, value: unknown): void {
  try {
    sessionStorage.setItem(draftKey(clientId, step), JSON.stringify(value));
  } catch {
    // Storage full or disabled: the form still works, it just will not survive a reload.
  }
}

export function removeDraft(clientId: string, step: string): void {
  try {
    sessionStorage.removeItem(draftKey(clientId, step));
  } catch {
    /* ignore */
  }
}

export function clearAllDrafts(): void {
  try {
    const keys: string[] = [];
    for (let i = 0; i < sessionStorage.length; i += 1) {
      const key = sessionStorage.key(i);
      if (key?.startsWith(PREFIX)) keys.push(key);
    }
    keys.forEach((k) => sessionStorage.removeItem(k));
  } catch {
    /* ignore */
  }
}

