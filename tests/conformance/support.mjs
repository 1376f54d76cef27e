// Shared by the conformance tests: the devserver serving the pages (page/) and the official
// @descope/web-js-sdk's build, headless Chromium, the handover page that loads both clients, and
// the checks every file makes.

import assert from 'node:assert/strict';

import { openPage, useWorld } from '../support/world.mjs';

export const LOGIN = 'demo@example.com';
export const PASSWORD = 'demo1234';

/**
 * The file's devserver, serving the pages at `/conformance/`, the SDK at `/sdk/` and the
 * module the pages share at `/support/` (plus `args`), and its Chromium (with `browserArgs`, see
 * useWorld).
 */
export function useConformanceWorld({ args = [], browserArgs } = {}) {
  return useWorld({
    args: [
      '--static', '/conformance/=tests/conformance/page',
      '--static', '/sdk/=node_modules/@descope/web-js-sdk/dist',
      '--static', '/support/=tests/support',
      ...args,
    ],
    browserArgs,
  });
}

export const claims = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());

/** Asserts that a call made in the page (by the SDK or by session-keeper) succeeded. */
export function assertOk(result, what) {
  assert.equal(result.ok, true, `${what}: ${JSON.stringify({ code: result.code, error: result.error })}`);
}

/** The devserver's answer to a refresh with `token` (a refused token stays refused). */
export async function refreshStatus(server, projectId, token) {
  const response = await fetch(`${server.url}/v1/auth/refresh`, {
    method: 'POST',
    headers: { authorization: `Bearer ${projectId}:${token}` },
    body: '{}',
  });
  return { status: response.status, body: await response.json() };
}

/** A password sign-in at the devserver, as an app's sign-in page makes it; its response. */
export async function signIn(server, projectId) {
  const response = await fetch(`${server.url}/v1/auth/password/signin`, {
    method: 'POST',
    headers: { authorization: `Bearer ${projectId}`, 'content-type': 'application/json' },
    body: JSON.stringify({ loginId: LOGIN, password: PASSWORD }),
  });
  assert.equal(response.status, 200);
  return response.json();
}

/** The SDK's password sign-in in the page, which must succeed; its response. */
export async function sdkSignIn(page) {
  const result = await page.sdkCall('password.signIn', LOGIN, PASSWORD);
  assertOk(result, 'SDK signIn');
  return result.data;
}

/** Loads page/handover.html at `url` in `page` and returns what the tests call in it. */
export async function handoverPage(page, url) {
  const ready = () => page.waitForFunction(() => window.handoverReady === true, null, { timeout: 10_000 });
  await page.goto(url);
  await ready();
  const evaluate = (fn, arg) => page.evaluate(fn, arg);
  return {
    /** A reload: both clients start again from what the origin stored. */
    reload: async () => {
      await page.reload();
      await ready();
    },
    createSdk: (options) => evaluate((o) => window.handover.createSdk(o), options),
    sdkCall: (path, ...args) => evaluate(([p, a]) => window.handover.sdkCall(p, ...a), [path, args]),
    sdkSessionToken: () => evaluate(() => window.sdk.getSessionToken() || null),
    createKeeper: (options) => evaluate((o) => window.handover.createKeeper(o), options),
    keeperState: () => evaluate(() => window.handover.keeperState()),
    keeperCall: (method, ...args) =>
      evaluate(([m, a]) => window.handover.keeperCall(m, ...a), [method, args]),
    storage: () => evaluate(() => window.handover.storage()),
    documentCookie: () => evaluate(() => window.handover.cookies()),
  };
}

/**
 * The handover page at `origin` in a new context of `browser` (one browser profile: one
 * localStorage and cookie jar), with both clients loaded.
 */
export async function openHandover(browser, origin) {
  const { context, page, errors } = await openPage(browser);
  return {
    ...(await handoverPage(page, `${origin}/conformance/handover.html`)),
    context,
    pageErrors: errors,
    /**
     * The context's cookies named DS or DSR, with their attributes (every cookie of the context:
     * filtering by an http URL would hide the Secure ones).
     */
    tokenCookies: async () =>
      (await context.cookies()).filter((c) => c.name === 'DS' || c.name === 'DSR'),
    close: () => context.close(),
  };
}
