// Benchmark: refresh requests per cycle and timer accuracy for 1, 5 and 10 tabs of one browser
// profile, session-keeper next to the official @descope/web-js-sdk (autoRefresh,
// persistTokens), both against the same devserver in the same run.
//
//   ./scripts/build-pkg.sh && cargo build -p devserver && node bench/refresh.mjs [--cycles 3]
//
// The SDK sets no refresh timer when the refresh is due within 20 s, so the cycle is 21 s.
// Timer error = when the refresh request started in the page − (when the previous refresh
// answer arrived + nextRefreshSeconds), from fetch timings recorded in each page.

import { launchBrowser } from '../tests/support/browser.mjs';
import { startDevserver } from '../tests/support/devserver.mjs';

const arg = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
};
const CYCLES = arg('cycles', 3);
const NEXT = arg('next-refresh-seconds', 21);
const TAB_COUNTS = [1, 5, 10];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let n = 0;
const unique = (p) => `${p}${Date.now().toString(36)}${n++}`;

// Records every fetch of the page: refresh starts and ends, in page time.
const recordFetches = () => {
  window.__fetches = [];
  const real = window.fetch.bind(window);
  window.fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input.url;
    const entry = { url: String(url), start: Date.now(), end: null };
    window.__fetches.push(entry);
    try {
      return await real(input, init);
    } finally {
      entry.end = Date.now();
    }
  };
};

/** A fresh project with the benchmark's cycle, and a browser profile recording fetches. */
async function newProfile(server, browser, prefix) {
  const project = unique(prefix);
  await server.control.project(project, { nextRefreshSeconds: NEXT });
  const context = await browser.newContext();
  await context.addInitScript(recordFetches);
  return { project, context };
}

async function runSessionKeeper(server, browser, tabs) {
  const { project, context } = await newProfile(server, browser, 'SK');
  const pages = [];
  for (let i = 0; i < tabs; i++) {
    const page = await context.newPage();
    await page.goto(`${server.url}/`);
    await page.waitForFunction(() => window.harnessReady === true);
    await page.evaluate((p) => window.harness.create({ projectId: p, storagePrefix: `${p}.` }), project);
    pages.push(page);
  }
  await pages[0].evaluate(([p, l]) => window.harness.signIn(p, l), [project, `${unique('u')}@example.com`]);
  return { project, context, pages };
}

async function runDescope(server, browser, tabs) {
  const { project, context } = await newProfile(server, browser, 'DS');
  const pages = [];
  for (let i = 0; i < tabs; i++) {
    const page = await context.newPage();
    await page.goto(`${server.url}/bench/descope.html`);
    await page.evaluate((p) => window.bench.create(p), project);
    if (i === 0) await page.evaluate((l) => window.bench.signIn(l), `${unique('u')}@example.com`);
    // Each further tab picks the session up the way the SDK's apps do: one refresh on load.
    else await page.evaluate(() => window.bench.resume());
    pages.push(page);
  }
  return { project, context, pages };
}

const isRefresh = (e) => new URL(e.url, 'http://x').pathname === '/v1/auth/refresh';

function timerErrors(perPage, shared) {
  const errors = [];
  const chains = shared ? [perPage.flat().sort((a, b) => a.start - b.start)] : perPage;
  for (const chain of chains) {
    // A timed refresh follows the previous answer by NEXT s; start-up refreshes are excluded
    // by only pairing requests that are at least NEXT/2 apart.
    const all = chain.filter((e) => e.end !== null);
    for (let i = 1; i < all.length; i++) {
      const gap = all[i].start - all[i - 1].end;
      if (gap > (NEXT * 1000) / 2) errors.push(gap - NEXT * 1000);
    }
  }
  return errors;
}

const median = (xs) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function measure(server, run) {
  const { project, context, pages } = run;
  const log0 = (await server.control.log({ project, path: '/v1/auth/refresh' })).length;
  const t0 = Date.now();
  await sleep(CYCLES * NEXT * 1000 + 2500);
  const log = (await server.control.log({ project, path: '/v1/auth/refresh' })).filter((e) => e.at >= t0);
  const perPage = await Promise.all(
    pages.map((p) => p.evaluate(() => window.__fetches.map((e) => ({ ...e })))),
  );
  const refreshes = perPage.map((fetches) => fetches.filter(isRefresh));
  await context.close();
  return {
    perCycle: log.length / CYCLES,
    reuse401: log.filter((e) => e.status === 401).length,
    startup: log0,
    refreshes,
  };
}

const server = await startDevserver({
  args: ['--www', 'tests/e2e/page', '--pkg', 'pkg', '--static', '/bench/=bench/page', '--static', '/sdk/=node_modules/@descope/web-js-sdk/dist'],
});
const browser = await launchBrowser();
console.log(`refresh benchmark: nextRefreshSeconds ${NEXT}, ${CYCLES} cycles per run\n`);
console.log('library                  tabs  refreshes/cycle  401s  timer error median  max (ms)');
try {
  for (const tabs of TAB_COUNTS) {
    // Both libraries side by side, on separate projects and profiles, in the same run.
    const [sk, ds] = await Promise.all([
      runSessionKeeper(server, browser, tabs).then((r) => measure(server, r)),
      runDescope(server, browser, tabs).then((r) => measure(server, r)),
    ]);
    for (const [name, result, shared] of [['session-keeper', sk, true], ['@descope/web-js-sdk', ds, false]]) {
      const errors = timerErrors(result.refreshes, shared);
      console.log(
        `${name.padEnd(24)} ${String(tabs).padStart(4)}  ${result.perCycle.toFixed(2).padStart(15)}  ${String(result.reuse401).padStart(4)}  ${String(median(errors)).padStart(18)}  ${String(errors.length ? Math.max(...errors) : NaN).padStart(8)}`,
      );
    }
  }
} finally {
  await browser.close();
  await server.stop();
}
