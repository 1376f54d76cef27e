// Benchmark: cold start of a page with a valid session in storage, session-keeper next to the
// official @descope/web-js-sdk in one Chromium run. Each run is a fresh browser context (no
// HTTP cache, no compiled-wasm cache) whose storage holds the same signed-in session under
// `DS`/`DSR` (the layout both libraries share). Prints the median and spread of the ms from
// the page script's start to the library initialised and to the session restored, the
// requests each sent to the API while restoring, and the ratio of the medians.
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
  await tab.goto(`${server.url}/bench/${page}?project=${project}`);
  const result = await tab.waitForFunction(() => window.result).then((h) => h.jsonValue());
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
for (const [setup, rows] of Object.entries(results)) {
  console.log(`\n${setup}`);
  console.log('library              | init median (min–max) ms | restore median (min–max) ms | API requests on restore');
  for (const [name, runs] of Object.entries(rows)) {
    const init = runs.map((r) => r.init);
    const restore = runs.map((r) => r.restore);
    const requests = runs.map((r) => r.requests);
    console.log(
      `${name.padEnd(20)} | ${fmt(median(init))} (${fmt(Math.min(...init))}–${fmt(Math.max(...init))}) | ${fmt(median(restore))} (${fmt(Math.min(...restore))}–${fmt(Math.max(...restore))})  | ${Math.max(...requests)}`,
    );
  }
  const ratio = median(rows['session-keeper'].map((r) => r.restore)) / median(rows['@descope/web-js-sdk'].map((r) => r.restore));
  console.log(`restore time, session-keeper / @descope/web-js-sdk: ${ratio.toFixed(2)}×`);
}
