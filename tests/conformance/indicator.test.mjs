// session-keeper and the official @descope/web-js-sdk 1.53 on one origin (API.md §6): a session
// signed in by one is seen signed in by the other after a reload, through the tokens and the
// logged-in indicator `DSLI` (which decides whether the SDK's start-up `try-refresh` call goes
// out), and a logout in either leaves neither signed in: no token, no `DSLI`, no last user.
//
//   cargo build -p devserver && ./scripts/build-pkg.sh && node --test tests/conformance/

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { launchBrowser } from '../support/browser.mjs';
import { startDevserver } from '../support/devserver.mjs';

const LOGIN = 'demo@example.com';
const PASSWORD = 'demo1234';
const TRY_REFRESH = '/v1/auth/try-refresh';
// The keys of a signed-in browser besides the tokens, which both clients write and clear.
const SHARED = ['DSLI', 'dls_last_user_login_id', 'dls_last_user_display_name'];

let server;
let browser;

before(async () => {
  server = await startDevserver({
    args: [
      '--static', '/conformance/=tests/conformance/page',
      '--static', '/sdk/=node_modules/@descope/web-js-sdk/dist',
      '--pkg', 'pkg',
    ],
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const requests = (projectId, path) => server.control.log({ project: projectId, path });

function assertOk(result, what) {
  assert.equal(result.ok, true, `${what}: ${JSON.stringify(result.error ?? result.code)}`);
}

/** One browser profile (one localStorage and cookie jar) with the page both clients load. */
async function openProfile() {
  const context = await browser.newContext();
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  const ready = () => page.waitForFunction(() => window.handoverReady === true, null, { timeout: 10_000 });
  await page.goto(`${server.url}/conformance/handover.html`);
  await ready();
  const evaluate = (fn, arg) => page.evaluate(fn, arg);
  return {
    pageErrors,
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
    close: () => context.close(),
  };
}

/** A password sign-in at the devserver, as an app's sign-in page does before apply(). */
async function signIn(projectId) {
  const response = await fetch(`${server.url}/v1/auth/password/signin`, {
    method: 'POST',
    headers: { authorization: `Bearer ${projectId}`, 'content-type': 'application/json' },
    body: JSON.stringify({ loginId: LOGIN, password: PASSWORD }),
  });
  assert.equal(response.status, 200);
  return response.json();
}

const sharedKeys = (stored) => SHARED.filter((key) => key in stored);

describe('session-keeper signs in, the official SDK takes over after a reload', () => {
  const projectId = 'P-indicator-sk';
  const options = { projectId, baseUrl: server?.url, sessionTokenViaCookie: false };
  let profile;
  let response;

  before(async () => {
    options.baseUrl = server.url;
    profile = await openProfile();
  });
  after(() => profile?.close());

  it('apply() writes the tokens, DSLI (the session expiry) and the last user', async () => {
    assertOk(await profile.createKeeper(options), 'new SessionManager');
    response = await signIn(projectId);
    assertOk(await profile.keeperCall('apply', response), 'apply');
    const stored = await profile.storage();
    assert.equal(stored.DS, response.sessionJwt);
    assert.equal(stored.DSR, response.refreshJwt);
    assert.equal(stored.DSLI, String(response.sessionExpiration));
    assert.equal(stored.dls_last_user_login_id, response.user.loginIds[0]);
    assert.equal(stored.dls_last_user_display_name, response.user.name);
  });

  it('after a reload the SDK sees the session, and its start-up try-refresh goes out and works', async () => {
    await profile.reload();
    assert.equal(await profile.createSdk({ projectId, baseUrl: server.url, sessionTokenViaCookie: false }), true);
    assert.equal(await profile.sdkSessionToken(), response.sessionJwt);
    const before = (await requests(projectId, TRY_REFRESH)).length;
    // What @descope/react-sdk does on mount: refresh(undefined, tryRefresh = true), which the SDK
    // skips without a logged-in indicator.
    const result = await profile.sdkCall('refresh', undefined, true);
    assertOk(result, 'SDK try-refresh');
    const log = await requests(projectId, TRY_REFRESH);
    assert.equal(log.length, before + 1, 'the SDK saw the indicator and asked the server');
    assert.equal(log.at(-1).status, 200);
    assert.ok(result.data.sessionJwt, 'the server found the session');
  });

  it('a logout in the SDK leaves session-keeper signed out after a reload, with no request', async () => {
    assertOk(await profile.sdkCall('logout'), 'SDK logout');
    assert.deepEqual(sharedKeys(await profile.storage()), [], 'the SDK removed DSLI and the last user');
    await profile.reload();
    const before = (await requests(projectId, TRY_REFRESH)).length;
    const created = await profile.createKeeper(options);
    assertOk(created, 'new SessionManager');
    assertOk(await profile.keeperCall('ready'), 'ready');
    const state = await profile.keeperState();
    assert.equal(state.isAuthenticated, false);
    assert.equal(state.sessionToken, undefined);
    assert.equal((await requests(projectId, TRY_REFRESH)).length, before, 'no indicator, no try-refresh');
    assert.deepEqual(profile.pageErrors, []);
  });
});

describe('the official SDK signs in, session-keeper takes over after a reload', () => {
  const projectId = 'P-indicator-sdk';
  let profile;
  let signedIn;

  before(async () => {
    profile = await openProfile();
  });
  after(() => profile?.close());

  it('the SDK signs in and writes DSLI and the last user', async () => {
    assert.equal(await profile.createSdk({ projectId, baseUrl: server.url, sessionTokenViaCookie: false }), true);
    const result = await profile.sdkCall('password.signIn', LOGIN, PASSWORD);
    assertOk(result, 'SDK signIn');
    signedIn = result.data;
    assert.deepEqual(sharedKeys(await profile.storage()), SHARED);
  });

  it('after a reload session-keeper is signed in with the SDK\'s session, without a request', async () => {
    await profile.reload();
    const created = await profile.createKeeper({ projectId, baseUrl: server.url, sessionTokenViaCookie: false });
    assertOk(created, 'new SessionManager');
    assert.equal(created.state.isAuthenticated, true);
    assert.equal(created.state.sessionToken, signedIn.sessionJwt);
    assertOk(await profile.keeperCall('ready'), 'ready');
    assert.equal((await requests(projectId, TRY_REFRESH)).length, 0, 'tokens readable: nothing to try');
  });

  it('a logout in session-keeper leaves the SDK signed out after a reload: its try-refresh is skipped', async () => {
    assertOk(await profile.keeperCall('logout'), 'logout');
    const stored = await profile.storage();
    assert.deepEqual(Object.keys(stored).sort(), [], `left after logout: ${Object.keys(stored).join(', ')}`);
    await profile.reload();
    assert.equal(await profile.createSdk({ projectId, baseUrl: server.url, sessionTokenViaCookie: false }), true);
    assert.equal(await profile.sdkSessionToken(), null);
    const result = await profile.sdkCall('refresh', undefined, true);
    assertOk(result, 'SDK try-refresh');
    assert.equal((await requests(projectId, TRY_REFRESH)).length, 0, 'no indicator: the SDK did not ask');
    assert.deepEqual(profile.pageErrors, []);
  });
});

describe('an httpOnly refresh cookie: a reload with nothing readable restores through try-refresh', () => {
  const projectId = 'P-indicator-httponly';
  let profile;

  before(async () => {
    await server.control.project(projectId, { refreshCookie: true });
    profile = await openProfile();
  });
  after(() => profile?.close());

  it('signed in by the SDK, restored by session-keeper with one try-refresh; without DSLI, none', async () => {
    const options = { projectId, baseUrl: server.url, sessionTokenViaCookie: false, persist: 'memory' };
    assert.equal(await profile.createSdk({ projectId, baseUrl: server.url, sessionTokenViaCookie: false }), true);
    assertOk(await profile.sdkCall('password.signIn', LOGIN, PASSWORD), 'SDK signIn');
    assert.ok('DSLI' in (await profile.storage()));
    await profile.reload();
    // persist "memory": session-keeper reads no token at all; the refresh token is a cookie only
    // the server reads.
    assertOk(await profile.createKeeper(options), 'new SessionManager');
    assertOk(await profile.keeperCall('ready'), 'ready');
    const state = await profile.keeperState();
    assert.equal(state.isAuthenticated, true, 'restored through the httpOnly cookie');
    assert.equal(state.refreshToken, undefined);
    const tries = await requests(projectId, TRY_REFRESH);
    assert.equal(tries.length, 1);
    assert.equal(tries[0].status, 200);

    assertOk(await profile.keeperCall('logout'), 'logout');
    await profile.reload();
    assertOk(await profile.createKeeper(options), 'new SessionManager');
    assertOk(await profile.keeperCall('ready'), 'ready');
    assert.equal((await profile.keeperState()).isAuthenticated, false);
    assert.equal((await requests(projectId, TRY_REFRESH)).length, 1, 'no indicator after the logout: no request');
    assert.deepEqual(profile.pageErrors, []);
  });
});
