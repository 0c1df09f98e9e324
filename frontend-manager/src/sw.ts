// The service worker (built by vite-plugin-pwa's injectManifest into /sw.js): the app shell
// for a reload without network. The hashed assets are precached at install; every navigation
// asks the network first for index.html (so a new deployment is picked up on the next load,
// with the assets it names) and falls back to the last one it got. The API, the storage's
// links, the docs and the health checks are never touched: no cached data, ever.
import { cleanupOutdatedCaches, precacheAndRoute, type PrecacheEntry } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { NetworkFirst } from 'workbox-strategies';

interface SwScope {
  __WB_MANIFEST: (string | PrecacheEntry)[];
  skipWaiting(): Promise<void>;
  clients: { claim(): Promise<void> };
  addEventListener(type: 'install' | 'activate', listener: (event: { waitUntil(p: Promise<unknown>): void }) => void): void;
}
const sw = self as unknown as SwScope;

// Spelled `self.__WB_MANIFEST` in the output: where the build injects the list of assets.
precacheAndRoute((self as unknown as SwScope).__WB_MANIFEST);
cleanupOutdatedCaches();

// One cache entry for every deep link: the server answers each of them with the same
// index.html, and a reload offline of a link never opened before must still find it.
const SHELL = new Request('/index.html');
const shell = new NetworkFirst({
  cacheName: 'pm-shell',
  networkTimeoutSeconds: 6,
  plugins: [{ cacheKeyWillBeUsed: async () => SHELL }],
});
registerRoute(
  new NavigationRoute(shell, {
    denylist: [/^\/api(\/|$)/, /^\/docs/, /^\/redoc/, /^\/openapi\.json/, /^\/health/, /^\/sw\.js/],
  }),
);

// A new deployment takes over at once; a page of the old one that then misses a chunk reloads
// itself (bootstrap.tsx, `vite:preloadError`), so old and new assets never mix.
sw.addEventListener('install', () => void sw.skipWaiting());
sw.addEventListener('activate', (event) => event.waitUntil(sw.clients.claim()));
