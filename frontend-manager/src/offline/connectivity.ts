// Whether the server can be reached, as far as the app knows: the browser's online/offline
// events, and what the API calls themselves found (a fetch that failed says more than
// navigator.onLine, which is true on a Wi-Fi without internet).
// No React here: the entry script (main.tsx) uses it before the app's code has downloaded.

let online = typeof navigator === 'undefined' ? true : navigator.onLine;
const listeners = new Set<() => void>();

function set(next: boolean) {
  if (next === online) return;
  online = next;
  listeners.forEach((l) => l());
}

// After a failure the server is asked now and then whether it is back (a restarted API, a
// Wi-Fi that lost its uplink: the browser fires no `online` event for those): 2 s, 4 s … 30 s.
let probeTimer: ReturnType<typeof setTimeout> | null = null;
let probeAttempt = 0;

function scheduleProbe() {
  if (probeTimer !== null || typeof window === 'undefined') return;
  const delay = Math.min(30_000, 2000 * 2 ** probeAttempt);
  probeAttempt += 1;
  probeTimer = setTimeout(() => {
    probeTimer = null;
    fetch('/health', { cache: 'no-store', signal: AbortSignal.timeout(10_000) })
      .then((r) => {
        if (r.ok) reportNetworkSuccess();
        else scheduleProbe();
      })
      .catch(() => scheduleProbe());
  }, delay);
}

export function reportNetworkFailure(): void {
  set(false);
  scheduleProbe();
}

export function reportNetworkSuccess(): void {
  probeAttempt = 0;
  if (probeTimer !== null) clearTimeout(probeTimer);
  probeTimer = null;
  set(true);
}

export function isOnline(): boolean {
  return online;
}

export function subscribeConnectivity(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

if (typeof window !== 'undefined') {
  window.addEventListener('online', () => set(true));
  window.addEventListener('offline', () => set(false));
  if (!online) scheduleProbe();
}
