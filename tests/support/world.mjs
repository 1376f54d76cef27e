// A devserver and a headless Chromium started together for a Node test file, and the pages the
// tests open in it.
//
//   const world = useWorld({ args: ['--pkg', 'pkg'] });   // before/after hooks of the file
//   it('…', async () => { const { page, errors } = await openPage(world.browser); … });

import { after, before } from 'node:test';

import { launchBrowser } from './browser.mjs';
import { startDevserver } from './devserver.mjs';

/**
 * `startDevserver({ args })` and `launchBrowser({ args: browserArgs })`; `browserArgs` may be a
 * function of the started server (e.g. for its port). `stop()` closes both.
 * @returns {Promise<{ server: Awaited<ReturnType<typeof startDevserver>>, browser: import('playwright-core').Browser, stop: () => Promise<void> }>}
 */
export async function startDevserverAndBrowser({ args = [], browserArgs = [] } = {}) {
  const server = await startDevserver({ args });
  let browser;
  try {
    browser = await launchBrowser({
      args: typeof browserArgs === 'function' ? browserArgs(server) : browserArgs,
    });
  } catch (error) {
    await server.stop();
    throw error;
  }
  return {
    server,
    browser,
    async stop() {
      try {
        await browser.close();
      } finally {
        await server.stop();
      }
    },
  };
}

/**
 * Registers the file's `before` hook, which starts a world with `options`, and its `after` hook,
 * which stops it. Returns the world, whose `server`, `browser` and `stop` are set once `before`
 * has run. (Node 20 runs a file's top-level `before` hooks without waiting for one another: a
 * file that prepares more at the top level starts its world itself, in one hook.)
 */
export function useWorld(options = {}) {
  const world = {};
  before(async () => {
    Object.assign(world, await startDevserverAndBrowser(options));
  });
  after(async () => {
    await world.stop?.();
  });
  return world;
}

/** A page in a new context of `browser`; its uncaught errors are collected in `errors`. */
export async function openPage(browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  return { context, page, errors };
}
