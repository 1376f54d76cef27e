// Shared plumbing of the end-to-end tests: a devserver serving the harness page and the built
// package, Chromium contexts with several tabs, and the devserver's request log.

import { startDevserverAndBrowser } from '../support/world.mjs';

/** The package the page loads: `pkg` (the build of this checkout) unless `$SK_PKG_DIR` names another one. */
export const PKG_DIR = process.env.SK_PKG_DIR || 'pkg';

/**
 * A devserver serving the harness page and the package (plus `args`), and Chromium with
 * `browserArgs` (or what the function `browserArgs` makes of the started server).
 */
export function startWorld(args = [], { browserArgs = [] } = {}) {
  return startDevserverAndBrowser({
    args: ['--www', 'tests/e2e/page', '--pkg', PKG_DIR, ...args],
    browserArgs,
  });
}

let counter = 0;
export const unique = (prefix) => `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

/** Opens `count` tabs of one browser context (shared storage, cookies, locks, channels). */
export async function openTabs(world, count, { context } = {}) {
  const ctx = context ?? (await world.browser.newContext());
  const tabs = [];
  for (let i = 0; i < count; i++) tabs.push(await openTab(world, ctx));
  return { context: ctx, tabs };
}

/** A new tab on the harness page at `world.server.url` + `path` (or `url`, when given). */
export async function openTab(world, context, { path = '/', url } = {}) {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => {
    errors.push(error.message);
    console.error('page error:', error.message);
  });
  // What kept the page from loading, for the error below (e.g. pkg/ being rebuilt).
  const failed = [];
  page.on('response', (r) => r.status() >= 400 && failed.push(`${r.status()} ${r.url()}`));
  page.on('requestfailed', (r) => failed.push(`${r.failure()?.errorText} ${r.url()}`));
  await page.goto(url ?? `${world.server.url}${path}`);
  try {
    await page.waitForFunction(() => window.harnessReady === true);
  } catch (error) {
    error.message += `\nthe harness page did not get ready; failed loads: ${JSON.stringify(failed)}, page errors: ${JSON.stringify(errors)}`;
    throw error;
  }
  return tab(page, errors);
}

export function tab(page, errors = []) {
  return {
    page,
    /** Uncaught errors of the page so far. */
    errors,
    /** Reloads the page (the manager is gone; call create() again). */
    reload: async () => {
      await page.reload();
      await page.waitForFunction(() => window.harnessReady === true);
    },
    create: (options) => page.evaluate((o) => window.harness.create(o), options),
    signIn: (projectId, loginId) => page.evaluate(([p, l]) => window.harness.signIn(p, l), [projectId, loginId]),
    state: () => page.evaluate(() => window.harness.state()),
    call: (method, ...args) => page.evaluate(([m, a]) => window.harness.call(m, ...a), [method, args]),
    events: () => page.evaluate(() => window.harness.events),
    /** Every key of `localStorage` (or of `area`, e.g. 'sessionStorage') with its value. */
    storage: (area) => page.evaluate((a) => window.harness.storage(a), area),
    cookies: () => page.evaluate(() => window.harness.cookies()),
  };
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 20 ms until it returns a truthy value or `ms` pass; returns the value. */
export async function until(check, ms, what = 'condition') {
  const start = Date.now();
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() - start > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
}

/** The devserver's log of `path` for `project`. */
export const requests = (world, project, path) => world.server.control.log({ project, path });
