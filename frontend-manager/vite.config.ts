import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';
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

export default defineConfig({
  plugins: [react(), preloadApp()],
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
