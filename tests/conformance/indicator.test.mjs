// session-keeper and the official @descope/web-js-sdk 1.53 on one origin (API.md §6): a session
// signed in by one is seen signed in by the other after a reload, through the tokens and the
// logged-in indicator `DSLI` (which decides whether the SDK's start-up `try-refresh` call goes
// out), and a logout in either leaves neither signed in: no token, no `DSLI`, no last user.
//
//   cargo build -p devserver && ./scripts/build-pkg.sh && node --test tests/conformance/

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { assertOk, openHandover, sdkSignIn, signIn, useConformanceWorld } from './support.mjs';

const TRY_REFRESH = '/v1/auth/try-refresh';
// The keys of a signed-in browser besides the tokens, which both clients write and clear.
const SHARED = ['DSLI', 'dls_last_user_login_id', 'dls_last_user_display_name'];

const world = useConformanceWorld({ args: ['--pkg', 'pkg'] });

const requests = (projectId, path) => world.server.control.log({ project: projectId, path });

/**
 * One browser profile (one localStorage and cookie jar) with the page both clients load, opened
 * before the tests of the enclosing describe and closed after them. The object returned gets the
 * page's calls once open, and `options`, both clients' options for `projectId`.
 */
function useProfile(projectId) {
  const profile = {};
  before(async () => {
    Object.assign(profile, await openHandover(world.browser, world.server.url), {
      options: { projectId, baseUrl: world.server.url, sessionTokenViaCookie: false },
    });
  });
  after(() => profile.close?.());
  return profile;
}

const sharedKeys = (stored) => SHARED.filter((key) => key in stored);

describe('session-keeper signs in, the official SDK takes over after a reload', () => {
  const projectId = 'P-indicator-sk';
  const profile = useProfile(projectId);
  let response;

  it('apply() writes the tokens, DSLI (the session expiry) and the last user', async () => {
    assertOk(await profile.createKeeper(profile.options), 'new SessionManager');
    response = await signIn(world.server, projectId);
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
    assert.equal(await profile.createSdk(profile.options), true);
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
    const created = await profile.createKeeper(profile.options);
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
  const profile = useProfile(projectId);
  let signedIn;

  it('the SDK signs in and writes DSLI and the last user', async () => {
    assert.equal(await profile.createSdk(profile.options), true);
    signedIn = await sdkSignIn(profile);
    assert.deepEqual(sharedKeys(await profile.storage()), SHARED);
  });

  it('after a reload session-keeper is signed in with the SDK\'s session, without a request', async () => {
    await profile.reload();
    const created = await profile.createKeeper(profile.options);
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
    assert.equal(await profile.createSdk(profile.options), true);
    assert.equal(await profile.sdkSessionToken(), null);
    const result = await profile.sdkCall('refresh', undefined, true);
    assertOk(result, 'SDK try-refresh');
    assert.equal((await requests(projectId, TRY_REFRESH)).length, 0, 'no indicator: the SDK did not ask');
    assert.deepEqual(profile.pageErrors, []);
  });
});

describe('an httpOnly refresh cookie: a reload with nothing readable restores through try-refresh', () => {
  const projectId = 'P-indicator-httponly';
  before(() => world.server.control.project(projectId, { refreshCookie: true }));
  const profile = useProfile(projectId);

  it('signed in by the SDK, restored by session-keeper with one try-refresh; without DSLI, none', async () => {
    const options = { ...profile.options, persist: 'memory' };
    assert.equal(await profile.createSdk(profile.options), true);
    await sdkSignIn(profile);
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
