import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';
import { defineConfig } from 'vitest/config';

/**
 * The entry only restores the session and then imports the app (src/bootstrap.tsx); this
 * preloads the app's chunks from index.html so that they download in parallel with it.
 */
function preloadApp(): Plugin {
  return {
    name: 'privet-preload-app',
    apply: 'build',
    enforce: 'post',
    transformIndexHtml: {
      order: 'post',
      handler(_html, ctx) {
        const bundle = ctx.bundle ?? {};
        const app = Object.values(bundle).find(
          (c) => c.type === 'chunk' && c.facadeModuleId?.endsWith('/src/bootstrap.tsx'),
        );
        if (!app || app.type !== 'chunk') return [];
        const entries = new Set(
          Object.values(bundle)
            .filter((c) => c.type === 'chunk' && c.isEntry)
            .map((c) => c.fileName),
        );
        const files = [app.fileName, ...app.imports].filter((f) => !entries.has(f));
        return files.map((f) => ({
          tag: 'link',
          attrs: { rel: 'modulepreload', crossorigin: '', href: `/${f}` },
          injectTo: 'head' as const,
        }));
      },
    },
  };
}

// Tells builds apart (`<html data-build>`); the deployment test builds a second one.
const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {};
const BUILD_ID = env.PM_BUILD_ID ?? 'dev';

export default defineConfig({
  define: { __PM_BUILD__: JSON.stringify(BUILD_ID) },
  plugins: [
    react(),
    preloadApp(),
    // The offline app shell (src/sw.ts). Registered by bootstrap.tsx, not by an inline script
    // (the CSP has no 'unsafe-inline'); no web manifest: the app is not installed.
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'sw.ts',
      injectRegister: false,
      manifest: false,
      injectManifest: {
        globPatterns: ['assets/**/*.{js,css,woff2,svg,png}', 'favicon.svg'],
        globIgnores: ['index.html'],
      },
      devOptions: { enabled: false },
    }),
  ],
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    sourcemap: false,
  },
  server: {
    proxy: {
      '/api': { target: 'http://127.0.0.1:8000', changeOrigin: false },
    },
  },
  test: {
    environment: 'jsdom',
    globals: true,
    setupFiles: ['./vitest.setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    css: false,
  },
});
