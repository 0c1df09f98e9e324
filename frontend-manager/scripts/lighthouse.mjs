// Lighthouse (mobile preset) on /login and the client list of a running server; prints the
// scores and writes them as JSON. A benchmark, not a test. Lighthouse is kept out of the app's
// dependencies: it is installed once into its own folder (default .cache/lighthouse).
//
//   node scripts/lighthouse.mjs --base http://127.0.0.1:8000 \
//     --email manager@privet.demo --password '…' [--out ../bench/results/lighthouse.json] [--runs 3]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
  options: {
    base: { type: 'string', default: 'http://127.0.0.1:8000' },
    email: { type: 'string', default: 'manager@privet.demo' },
    password: { type: 'string', default: process.env.PM_LH_PASSWORD ?? 'Privet-Master-2026' },
    out: { type: 'string', default: '' },
    runs: { type: 'string', default: '3' },
    chrome: { type: 'string', default: process.env.CHROME_PATH ?? '/usr/bin/chromium' },
    cache: { type: 'string', default: resolve('.cache/lighthouse') },
  },
});

const LIGHTHOUSE = '12.8.2';
const bin = join(opt.cache, 'node_modules', '.bin', 'lighthouse');
if (!existsSync(bin)) {
  mkdirSync(opt.cache, { recursive: true });
  writeFileSync(
    join(opt.cache, 'package.json'),
    JSON.stringify({ private: true, overrides: { 'third-party-web': '0.27.0' } }),
  );
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', `lighthouse@${LIGHTHOUSE}`], {
    cwd: opt.cache,
    stdio: 'inherit',
  });
}

/** A fresh refresh cookie per run: the SPA trades it for an access token on start. */
async function refreshCookie() {
  const res = await fetch(`${opt.base}/api/manager/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: opt.email, password: opt.password }),
  });
  if (!res.ok) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  const cookies = res.headers.getSetCookie().map((c) => c.split(';')[0]);
  return cookies.join('; ');
}

const flags = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
].join(' ');

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const pages = [
  { name: 'login', path: '/login', auth: false },
  { name: 'clients', path: '/clients?tab=new', auth: true },
];
const report = { lighthouse: LIGHTHOUSE, preset: 'mobile (default)', base: opt.base, pages: {} };
const tmp = join(opt.cache, 'reports');
mkdirSync(tmp, { recursive: true });
for (const page of pages) {
  const runs = [];
  for (let i = 0; i < Number(opt.runs); i += 1) {
    const file = join(tmp, `${page.name}-${i}.json`);
    const args = [
      `${opt.base}${page.path}`,
      '--quiet',
      '--only-categories=performance,accessibility',
      '--output=json',
      `--output-path=${file}`,
      `--chrome-flags=${flags}`,
    ];
    if (page.auth) args.push(`--extra-headers=${JSON.stringify({ Cookie: await refreshCookie() })}`);
    execFileSync(bin, args, { env: { ...process.env, CHROME_PATH: opt.chrome }, stdio: 'inherit' });
    const lhr = JSON.parse(readFileSync(file, 'utf8'));
    if (page.auth && !String(lhr.finalDisplayedUrl ?? lhr.finalUrl).includes('/clients')) {
      throw new Error(`${page.name}: ended on ${lhr.finalDisplayedUrl} (not logged in?)`);
    }
    runs.push({
      performance: Math.round(lhr.categories.performance.score * 100),
      accessibility: Math.round(lhr.categories.accessibility.score * 100),
      fcp_ms: Math.round(lhr.audits['first-contentful-paint'].numericValue),
      lcp_ms: Math.round(lhr.audits['largest-contentful-paint'].numericValue),
      tbt_ms: Math.round(lhr.audits['total-blocking-time'].numericValue),
      cls: lhr.audits['cumulative-layout-shift'].numericValue,
    });
    rmSync(file);
  }
  const summary = {};
  for (const key of Object.keys(runs[0])) summary[`median_${key}`] = median(runs.map((r) => r[key]));
  report.pages[page.name] = { ...summary, runs };
  console.log(
    `${page.name.padEnd(8)} performance ${summary.median_performance}  accessibility ${summary.median_accessibility}` +
      `  FCP ${summary.median_fcp_ms} ms  LCP ${summary.median_lcp_ms} ms  TBT ${summary.median_tbt_ms} ms  (median of ${runs.length})`,
  );
}
report.measured_at = new Date().toISOString();
if (opt.out) {
  mkdirSync(dirname(resolve(opt.out)), { recursive: true });
  writeFileSync(opt.out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`written to ${opt.out}`);
}
