// Benchmark: cold start of a page with a valid session in storage, session-keeper next to the
// official @descope/web-js-sdk in one Chromium run. Each run is a fresh browser context (no
// HTTP cache, no compiled-wasm cache) whose storage holds the same signed-in session under
// `DS`/`DSR` (the layout both libraries share). Prints, per phase, the median ms from the page
// script's start (glue loaded, module initialised, manager constructed, session ready), the
// spread of the restore, the requests each sent to the API while restoring, and the ratio of
// the restore medians. The pages write their result as one console line: the benchmark never
// runs a script in the page while the library loads (polling would add to what it measures).
//
//   ./scripts/build-pkg.sh && cargo build -p devserver && node bench/cold-start.mjs [--runs 15]

import { launchBrowser } from '../tests/support/browser.mjs';
import { startDevserver } from '../tests/support/devserver.mjs';

const at = process.argv.indexOf('--runs');
const RUNS = at === -1 ? 15 : Number(process.argv[at + 1]);

const server = await startDevserver({
  args: ['--pkg', 'pkg', '--static', '/bench/=bench/page', '--static', '/sdk/=node_modules/@descope/web-js-sdk/dist'],
});
const browser = await launchBrowser();
const project = `Pcold${Date.now().toString(36)}`;
await server.control.project(project, { nextRefreshSeconds: 3600, sessionTtl: 3600 });

async function signIn() {
  const response = await fetch(`${server.url}/v1/auth/password/signin`, {
    method: 'POST',
    headers: { authorization: `Bearer ${project}`, 'content-type': 'application/json' },
    body: JSON.stringify({ loginId: `cold${Date.now()}@example.com`, password: 'pw-12345' }),
  });
  return response.json();
}

async function run(page, tokens) {
  const context = await browser.newContext();
  await context.addInitScript(([ds, dsr]) => {
    localStorage.setItem('DS', ds);
    localStorage.setItem('DSR', dsr);
  }, [tokens.sessionJwt, tokens.refreshJwt]);
  const tab = await context.newPage();
  const cdp = await context.newCDPSession(tab);
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  const api = [];
  tab.on('request', (r) => {
    if (new URL(r.url()).pathname.startsWith('/v1/')) api.push(r.url());
  });
  const line = new Promise((resolve, reject) => {
    tab.on('console', (message) => {
      const text = message.text();
      if (text.startsWith('cold-start ')) resolve(JSON.parse(text.slice('cold-start '.length)));
    });
    tab.on('pageerror', reject);
    setTimeout(() => reject(new Error(`${page}: no result within 30 s`)), 30_000);
  });
  await tab.goto(`${server.url}/bench/${page}?project=${project}`);
  const result = await line;
  await tab.waitForTimeout(50);
  await context.close();
  if (!result.authenticated || result.token !== tokens.sessionJwt) throw new Error(`${page}: the session was not restored`);
  return { ...result, requests: api.length };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (x) => x.toFixed(1).padStart(7);

const tokens = await signIn();
// Two setups: the page imports the library when its script runs (plain), or the HTML preloads
// the library's files (`modulepreload` + `preload` of the wasm; `preload` of the SDK's script).
const setups = {
  plain: { 'session-keeper': 'cold-sk.html', '@descope/web-js-sdk': 'cold-descope.html' },
  preloaded: { 'session-keeper': 'cold-sk-preload.html', '@descope/web-js-sdk': 'cold-descope-preload.html' },
};
const results = {};
for (const [setup, pages] of Object.entries(setups)) {
  results[setup] = Object.fromEntries(Object.keys(pages).map((name) => [name, []]));
  // One warm-up each (the devserver's own first responses), then alternating runs.
  for (const page of Object.values(pages)) await run(page, tokens);
  for (let i = 0; i < RUNS; i++) {
    for (const [name, page] of Object.entries(pages)) results[setup][name].push(await run(page, tokens));
  }
}
await browser.close();
await server.stop();

console.log(`cold start, ${RUNS} runs each, fresh context per run, valid session in storage`);
console.log('median ms from the page script\'s start to the end of each phase');
for (const [setup, rows] of Object.entries(results)) {
  console.log(`\n${setup}`);
  console.log('library              |    glue |    init | constructor |   ready (min–max)         | API requests on restore');
  for (const [name, runs] of Object.entries(rows)) {
    const phase = (key) => median(runs.map((r) => r[key]));
    const ready = runs.map((r) => r.ready);
    const requests = runs.map((r) => r.requests);
    console.log(
      `${name.padEnd(20)} | ${fmt(phase('glue'))} | ${fmt(phase('init'))} | ${fmt(phase('constructor')).padStart(11)} | ${fmt(median(ready))} (${fmt(Math.min(...ready))}–${fmt(Math.max(...ready))}) | ${Math.max(...requests)}`,
    );
  }
  const ratio = median(rows['session-keeper'].map((r) => r.ready)) / median(rows['@descope/web-js-sdk'].map((r) => r.ready));
  console.log(`restore time, session-keeper / @descope/web-js-sdk: ${ratio.toFixed(2)}×`);
}
