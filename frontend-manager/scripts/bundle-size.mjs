// Gzip size of the JavaScript the first screen needs: the entry script and its modulepreloads
// from dist/index.html (lazy chunks are not counted). Fails above the budget (TARGETS.md).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const BUDGET = 150 * 1024;
const dist = 'dist';
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const files = new Set();
for (const m of html.matchAll(/<script[^>]+src="([^"]+\.js)"/g)) files.add(m[1]);
for (const m of html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="([^"]+\.js)"/g)) files.add(m[1]);
let total = 0;
for (const f of files) {
  const size = gzipSync(readFileSync(join(dist, f.replace(/^\//, '')))).length;
  total += size;
  console.log(`${(size / 1024).toFixed(1).padStart(7)} KB gzip  ${f}`);
}
console.log(`${(total / 1024).toFixed(1).padStart(7)} KB gzip  initial JavaScript (budget ${BUDGET / 1024} KB)`);
if (process.argv.includes('--json')) console.log(JSON.stringify({ initial_js_gzip_bytes: total, budget_bytes: BUDGET }));
if (total > BUDGET) process.exit(1);
