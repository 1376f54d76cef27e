// Shared plumbing of the end-to-end tests: a devserver serving the harness page and the built
// package, Chromium contexts with several tabs, and the devserver's request log.

import { launchBrowser } from '../support/browser.mjs';
import { startDevserver } from '../support/devserver.mjs';

export async function startWorld(args = []) {
  const server = await startDevserver({
    args: ['--www', 'tests/e2e/page', '--pkg', 'pkg', ...args],
  });
  const browser = await launchBrowser();
  return {
    server,
    browser,
    async stop() {
      await browser.close();
      await server.stop();
    },
  };
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

export async function openTab(world, context) {
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error('page error:', error.message));
  await page.goto(`${world.server.url}/`);
  await page.waitForFunction(() => window.harnessReady === true);
  return tab(page);
}

export function tab(page) {
  return {
    page,
    create: (options) => page.evaluate((o) => window.harness.create(o), options),
    signIn: (projectId, loginId) => page.evaluate(([p, l]) => window.harness.signIn(p, l), [projectId, loginId]),
    state: () => page.evaluate(() => window.harness.state()),
    call: (method, ...args) => page.evaluate(([m, a]) => window.harness.call(m, ...a), [method, args]),
    events: () => page.evaluate(() => window.harness.events),
    storage: () => page.evaluate(() => window.harness.storage()),
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
