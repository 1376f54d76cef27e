// session-keeper's framework state in a real React app (API.md §6): tests/frameworks/react,
// built here with Vite against the built package (pkg/, or $SK_PKG_DIR) and React's development
// build, reads the session with useSyncExternalStore(session.subscribe, session.getSnapshot) —
// the functions passed as they are, unbound, as React users write it. Driven in headless
// Chromium against the devserver: the rendered DOM follows sign-in, a reload, tenant selects, a
// refresh and logout; React never warns that getSnapshot is uncached; every change renders a
// bounded number of times and nothing renders while nothing changes.
//
//   cargo build -p devserver && ./scripts/build-pkg.sh && node --test tests/frameworks/

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'vite';

import { openPage, startDevserverAndBrowser } from '../support/world.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const outDir = path.join(root, 'target', 'frameworks', 'react');
const PROJECT = `P-react-${Date.now().toString(36)}`;
// A change renders SessionStatus once, which StrictMode doubles in development (the other
// component that reads the snapshot, Actions, is not counted).
const RENDERS_PER_CHANGE = 2;

let world;
let page;
let pageErrors;
const consoleMessages = [];

before(async () => {
  await build({ configFile: path.join(here, 'react', 'vite.config.js'), logLevel: 'warn' });
  world = await startDevserverAndBrowser({ args: ['--static', `/react/=${outDir}`] });
  ({ page, errors: pageErrors } = await openPage(world.browser));
  page.on('console', (message) => consoleMessages.push({ type: message.type(), text: message.text() }));
  await open();
});

after(() => world?.stop());

async function open() {
  await page.goto(`${world.server.url}/react/?project=${PROJECT}`);
  try {
    // Ready once the session is restored and React has committed the first render.
    await page.waitForSelector('body[data-ready="true"] #authenticated', { state: 'attached', timeout: 15_000 });
  } catch (error) {
    error.message += `\npage errors: ${JSON.stringify(pageErrors)}, console: ${JSON.stringify(consoleMessages)}`;
    throw error;
  }
}

const text = (id) => page.textContent(`#${id}`);
const renders = () => page.evaluate(() => window.renders);
const shown = async () => ({
  authenticated: await text('authenticated'),
  user: await text('user'),
  tenant: await text('tenant'),
});

/** Waits until the DOM shows `expected`; returns what it shows. */
async function until(expected, what) {
  const start = Date.now();
  for (;;) {
    const now = await shown();
    if (Object.entries(expected).every(([k, v]) => now[k] === v)) return now;
    if (Date.now() - start > 5000) {
      assert.fail(`${what}: the page shows ${JSON.stringify(now)}, expected ${JSON.stringify(expected)} ` +
        `(error: ${await text('error')}, page errors: ${JSON.stringify(pageErrors)})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Runs `step`, waits for the DOM to show `expected`, and checks the renders it took. */
async function renderedOnce(what, step, expected) {
  const before = await renders();
  await step();
  await until(expected, what);
  await new Promise((resolve) => setTimeout(resolve, 150));
  const took = (await renders()) - before;
  assert.ok(took >= 1, `${what}: no render`);
  assert.ok(took <= RENDERS_PER_CHANGE * 2, `${what}: ${took} renders of SessionStatus for one change`);
}

describe('React: useSyncExternalStore(session.subscribe, session.getSnapshot)', () => {
  it('renders the signed-out snapshot', async () => {
    assert.deepEqual(await shown(), { authenticated: 'no', user: '-', tenant: '-' });
    assert.ok((await renders()) <= RENDERS_PER_CHANGE * 2, `${await renders()} renders at mount`);
  });

  it('follows a sign-in', async () => {
    await renderedOnce('sign-in', () => page.click('#signin'), { authenticated: 'yes', user: 'ada', tenant: '-' });
    const expires = Number(await text('expires'));
    assert.ok(expires > Date.now(), `expiresAt ${expires}`);
  });

  it('shows the restored session on the first render after a reload', async () => {
    await open();
    assert.deepEqual(await shown(), { authenticated: 'yes', user: 'ada', tenant: '-' });
    assert.ok((await renders()) <= RENDERS_PER_CHANGE * 2, `${await renders()} renders at mount`);
  });

  it('follows tenant selects', async () => {
    await renderedOnce('select T-acme', () => page.click('#tenant-acme'), { tenant: 'T-acme' });
    await renderedOnce('select T-globex', () => page.click('#tenant-globex'), { tenant: 'T-globex' });
    assert.equal(await text('user'), 'ada');
  });

  it('renders a refresh once and keeps the tenant', async () => {
    await renderedOnce('refresh', () => page.evaluate(() => window.session.refresh().then(() => undefined)), {
      authenticated: 'yes', tenant: 'T-globex',
    });
  });

  it('follows a logout', async () => {
    await renderedOnce('logout', () => page.click('#logout'), { authenticated: 'no', user: '-', tenant: '-' });
    assert.equal(await text('expires'), '-');
    assert.equal(await page.evaluate(() => localStorage.getItem('DSR')), null);
  });

  it('never renders while nothing changes', async () => {
    const settled = await renders();
    await new Promise((resolve) => setTimeout(resolve, 700));
    assert.equal(await renders(), settled, 'SessionStatus rendered with no change (a render loop)');
  });

  it('draws no React warning and no error', () => {
    const uncached = consoleMessages.filter((m) => /getSnapshot should be cached/.test(m.text));
    assert.deepEqual(uncached, [], 'React: "The result of getSnapshot should be cached"');
    const loops = consoleMessages.filter((m) => /Maximum update depth/.test(m.text));
    assert.deepEqual(loops, [], 'React: "Maximum update depth exceeded"');
    const problems = consoleMessages.filter((m) => m.type === 'error' || m.type === 'warning');
    assert.deepEqual(problems, [], 'console errors or warnings');
    assert.deepEqual(pageErrors, []);
  });
});
