// The reverse direction of descope-sdk.test.mjs: the official @descope/web-js-sdk signs in and
// writes its storage, then session-keeper's SessionManager, in the same page, picks that session
// up, keeps it alive against the devserver, and logs it out leaving nothing behind (API.md §2,
// "Storage layout" and "Clearing").
//
//   cargo build -p devserver && ./scripts/build-pkg.sh && node --test tests/conformance/

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import {
  assertOk,
  claims,
  handoverPage,
  openHandover,
  refreshStatus,
  sdkSignIn,
  useConformanceWorld,
} from './support.mjs';

// A host name with a real parent domain, resolved to the devserver by Chromium itself: on
// 127.0.0.1 Chromium stores a `Domain=127.0.0.1` cookie as host-only (an IP address has no parent
// domain), so only here is a cookie the SDK wrote with a Domain attribute a cookie that a
// host-only deletion misses.
const PARENT_DOMAIN = 'handover.example.com';
const APP_HOST = `app.${PARENT_DOMAIN}`;

const appOrigin = (server) => `http://${APP_HOST}:${server.port}`;

const world = useConformanceWorld({
  // `SK_PKG_DIR=<dir>` runs these tests against another build of the package.
  args: ['--pkg', process.env.SK_PKG_DIR || 'pkg'],
  browserArgs: (server) => [
    `--host-resolver-rules=MAP ${APP_HOST} 127.0.0.1`,
    // A secure context, so that Secure cookies (both clients' default) are kept over http.
    `--unsafely-treat-insecure-origin-as-secure=${appOrigin(server)}`,
  ],
});
const serverOrigin = () => new URL(world.server.url).origin;

/** Every value of the cookie `name` in a `document.cookie` string. */
const cookieValues = (documentCookie, name) =>
  documentCookie
    .split(';')
    .map((pair) => pair.trim())
    .filter((pair) => pair.startsWith(`${name}=`))
    .map((pair) => pair.slice(name.length + 1));

const requests = (projectId, path) => world.server.control.log({ project: projectId, path });

/** After a logout, no token is left: no DS/DSR cookie anywhere in the jar, no DS/DSR key. */
async function assertNoTokenLeft(page, what) {
  const left = [];
  const documentCookie = await page.documentCookie();
  for (const name of ['DS', 'DSR']) {
    const count = cookieValues(documentCookie, name).length;
    if (count) left.push(`${count} ${name} cookie(s) readable in document.cookie`);
  }
  for (const c of await page.tokenCookies()) {
    left.push(`cookie ${c.name} in the browser (domain ${c.domain}, path ${c.path})`);
  }
  const stored = await page.storage();
  for (const key of ['DS', 'DSR']) if (key in stored) left.push(`localStorage ${key}`);
  assert.deepEqual(left, [], `${what}: tokens left after logout:\n  ${left.join('\n  ')}`);
}

/**
 * After a logout, localStorage holds nothing of the session: besides the tokens,
 * @descope/web-js-sdk 1.53 keeps the logged-in indicator `DSLI` and the last user
 * (`dls_last_user_*`), which its own logout removes (the last user unless
 * keepLastAuthenticatedUserAfterLogout, default false), and which session-keeper follows
 * (API.md §2 Clearing, §6). Nothing else wrote to this origin's localStorage.
 */
async function assertStorageEmpty(page, what) {
  const keys = Object.keys(await page.storage()).sort();
  assert.deepEqual(keys, [], `${what}: localStorage keys left after logout: ${keys.join(', ')}`);
}

/** The devserver refuses both the token logged out and the SDK's original (rotated) one. */
async function assertRefused(projectId, { loggedOut, original }) {
  // The logged-out token first: presenting the rotated original is reuse, which would revoke the
  // whole family by itself and hide a logout that never reached the server.
  const refused = await refreshStatus(world.server, projectId, loggedOut);
  assert.equal(refused.status, 401, 'the refresh token held at logout is still accepted');
  assert.equal(refused.body.errorCode, 'E061004');
  assert.equal((await refreshStatus(world.server, projectId, original)).status, 401);
}

/** `new SessionManager(options)` restores the SDK's session synchronously; ready() asks nothing. */
async function assertRestored(page, projectId, options, signedIn) {
  const created = await page.createKeeper(options);
  assertOk(created, 'new SessionManager');
  assert.equal(created.state.isAuthenticated, true);
  assert.equal(created.state.sessionToken, signedIn.sessionJwt);
  assert.equal(created.state.refreshToken, signedIn.refreshJwt);

  assertOk(await page.keeperCall('ready'), 'ready');
  // The session token is far from expiry: nothing to refresh at start-up.
  assert.equal((await requests(projectId, '/v1/auth/refresh')).length, 0);
  assert.equal((await requests(projectId, '/v1/auth/try-refresh')).length, 0);
}

/**
 * refresh() rotates both tokens with one request that presents the SDK's refresh token, and the
 * manager holds the new ones; returns the refresh response.
 */
async function refreshOnce(page, projectId, signedIn) {
  const result = await page.keeperCall('refresh');
  assertOk(result, 'refresh');
  const refreshed = result.value;
  assert.notEqual(refreshed.refreshJwt, signedIn.refreshJwt);
  assert.notEqual(refreshed.sessionJwt, signedIn.sessionJwt);

  const state = await page.keeperState();
  assert.equal(state.isAuthenticated, true);
  assert.equal(state.sessionToken, refreshed.sessionJwt);
  assert.equal(state.refreshToken, refreshed.refreshJwt);

  const log = await requests(projectId, '/v1/auth/refresh');
  assert.equal(log.length, 1, 'exactly one refresh request reached the devserver');
  assert.equal(log[0].status, 200);
  assert.equal(log[0].tokenJti, claims(signedIn.refreshJwt).jti, 'refreshed with the SDK\'s token');
  return refreshed;
}

/** logout() signs out, with one logout request that presents `held`, the refresh token held. */
async function logOut(page, projectId, held) {
  const result = await page.keeperCall('logout');
  assertOk(result, 'logout');

  const state = await page.keeperState();
  assert.equal(state.isAuthenticated, false);
  assert.equal(state.sessionToken, undefined);
  assert.equal(state.refreshToken, undefined);

  const log = await requests(projectId, '/v1/auth/logout');
  assert.equal(log.length, 1, 'exactly one logout request reached the devserver');
  assert.equal(log[0].status, 200);
  assert.equal(log[0].tokenJti, claims(held).jti);
}

describe('handover from @descope/web-js-sdk: tokens in localStorage', () => {
  const projectId = 'P-handover-storage';
  let options;
  let page;
  let signedIn; // the SDK's sign-in response
  let refreshed; // session-keeper's refresh response

  before(async () => {
    options = { projectId, baseUrl: world.server.url, sessionTokenViaCookie: false };
    page = await openHandover(world.browser, serverOrigin());
    assert.equal(await page.createSdk(options), true);
  });
  after(() => page?.close());

  it('the SDK signs in and writes DS/DSR to localStorage', async () => {
    signedIn = await sdkSignIn(page);
    const stored = await page.storage();
    assert.equal(stored.DS, signedIn.sessionJwt);
    assert.equal(stored.DSR, signedIn.refreshJwt);
    assert.deepEqual(cookieValues(await page.documentCookie(), 'DS'), []);
  });

  it('SessionManager restores that session synchronously', async () => {
    await assertRestored(page, projectId, options, signedIn);
  });

  it('refresh() rotates the tokens against the devserver', async () => {
    refreshed = await refreshOnce(page, projectId, signedIn);
    // Still in the SDK's layout, so the SDK (or an app switching back) reads the new tokens.
    const stored = await page.storage();
    assert.equal(stored.DS, refreshed.sessionJwt);
    assert.equal(stored.DSR, refreshed.refreshJwt);
  });

  it('logout() leaves no token in storage or cookies, and the devserver refuses the old tokens', async () => {
    assert.ok(Object.keys(await page.storage()).includes('DSR'), 'precondition: DSR stored');
    await logOut(page, projectId, refreshed.refreshJwt);
    await assertNoTokenLeft(page, 'storage mode');
    await assertRefused(projectId, { loggedOut: refreshed.refreshJwt, original: signedIn.refreshJwt });
    assert.deepEqual(page.pageErrors, []);
  });

  it('logout() also removes the SDK\'s other session keys (DSLI, last user)', async () => {
    await assertStorageEmpty(page, 'storage mode');
  });
});

describe('the official SDK rotates the tokens in another tab (API.md §3)', () => {
  // Tab A runs session-keeper, tab B the official SDK, both on the SDK's keys (DS and DSR in
  // localStorage). When B rotates, A must take B's tokens: presenting the token B replaced
  // would be reuse, which ends the session for both.
  const projectId = 'P-handover-rotating-sdk';
  let a;
  let b;
  before(async () => {
    const origin = serverOrigin();
    a = await openHandover(world.browser, origin);
    // The same browser context: one localStorage, one cookie jar, one set of Web Locks.
    b = await handoverPage(await a.context.newPage(), `${origin}/conformance/handover.html`);
  });
  after(() => a?.close());

  it('session-keeper takes over what the SDK rotated, without presenting the replaced token', async () => {
    const options = { projectId, baseUrl: world.server.url, sessionTokenViaCookie: false };
    assert.equal(await b.createSdk(options), true);
    await sdkSignIn(b);
    assertOk(await a.createKeeper({ ...options, autoRefresh: false }), 'new SessionManager');
    // session-keeper rotates once (its record is stored with the tokens) ...
    assertOk(await a.keeperCall('refresh'), 'refresh in A');
    const mine = await a.keeperState();
    // ... then the SDK in tab B rotates what A stored.
    const rotated = await b.sdkCall('refresh');
    assertOk(rotated, 'SDK refresh in B');
    const theirs = (await b.storage()).DSR;
    assert.notEqual(theirs, mine.refreshToken, 'the SDK wrote its rotation');
    // Tab A sees that write once the browser has carried it over (another page's view of
    // localStorage is updated asynchronously, later under load): the takeover starts there.
    for (let i = 0; i < 100 && (await a.storage()).DSR !== theirs; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal((await a.storage()).DSR, theirs, "tab A sees the SDK's rotation");
    // A's next refresh takes B's tokens; the one after presents them.
    assertOk(await a.keeperCall('refresh'), 'refresh in A after B rotated');
    assert.equal((await a.keeperState()).isAuthenticated, true);
    assertOk(await a.keeperCall('refresh'), 'a further refresh in A');
    const log = await requests(projectId, '/v1/auth/refresh');
    assert.deepEqual(log.map((e) => e.status), log.map(() => 200), 'a refresh was refused');
    const presented = log.map((e) => e.tokenJti);
    assert.equal(
      presented.filter((jti) => jti === claims(mine.refreshToken).jti).length,
      1,
      'the token the SDK replaced was presented again',
    );
    assert.ok(presented.includes(claims(theirs).jti), 'the SDK\'s token was never refreshed');
    const state = await a.keeperState();
    assert.equal(state.isAuthenticated, true);
    assert.equal((await a.storage()).DSR, state.refreshToken, 'A stored its rotation in the SDK\'s key');
    assert.deepEqual(a.pageErrors, []);
  });
});

/**
 * The SDK keeps the session token in a `DS` cookie written with the Domain and Path of the
 * sign-in response; session-keeper, with its default options, takes it over and must expire it
 * on logout wherever it is. With `refreshFirst: false` it logs out straight after the handover,
 * having seen no response of its own: the cookie's Domain is then known only from the page's
 * host (API.md §2, Clearing: "host-only and at every parent domain the domain rule allows").
 */
function cookieHandover({ title, projectId, origin, cookieDomain, refreshFirst }) {
  describe(title, () => {
    let page;
    let signedIn;
    let refreshed;
    /** The refresh token session-keeper holds when it logs out. */
    const held = () => (refreshFirst ? refreshed : signedIn).refreshJwt;

    before(async () => {
      const config = await world.server.control.project(projectId, { cookieDomain, cookiePath: '/' });
      assert.equal(config.cookieDomain, cookieDomain);
      page = await openHandover(world.browser, origin());
      // The SDK's defaults for the cookie: Secure, SameSite=Strict (kept by Chromium on
      // 127.0.0.1 and on the origin marked secure above).
      assert.equal(
        await page.createSdk({ projectId, baseUrl: origin(), sessionTokenViaCookie: true }),
        true,
      );
    });
    after(() => page?.close());

    it(`the SDK signs in and writes the DS cookie with Domain=${cookieDomain}`, async () => {
      signedIn = await sdkSignIn(page);
      assert.equal(signedIn.cookieDomain, cookieDomain);
      assert.equal(signedIn.cookiePath, '/');

      assert.deepEqual(cookieValues(await page.documentCookie(), 'DS'), [signedIn.sessionJwt]);
      const [ds, ...more] = (await page.tokenCookies()).filter((c) => c.name === 'DS');
      assert.equal(more.length, 0);
      assert.equal(ds.path, '/');
      // Chromium keeps Domain=<the page's IP> as a host-only cookie; a host name's parent domain
      // makes a real domain cookie (leading dot).
      assert.equal(ds.domain.replace(/^\./, ''), cookieDomain);
      const stored = await page.storage();
      assert.equal(stored.DS, undefined);
      assert.equal(stored.DSR, signedIn.refreshJwt);
    });

    it('SessionManager (default options) restores that session synchronously', async () => {
      await assertRestored(page, projectId, { projectId, baseUrl: origin() }, signedIn);
    });

    if (refreshFirst) it('refresh() keeps it alive: the new session token replaces the SDK\'s cookie', async () => {
      refreshed = await refreshOnce(page, projectId, signedIn);
      // The cookie is rewritten at the response's Domain/Path, so the page (and the SDK) read
      // the new token: the SDK's stale cookie is replaced, not shadowed by a second one.
      assert.deepEqual(cookieValues(await page.documentCookie(), 'DS'), [refreshed.sessionJwt]);
      assert.equal((await page.storage()).DSR, refreshed.refreshJwt);
    });

    it('logout() expires every DS/DSR cookie, the Domain one included, and the devserver refuses the tokens', async () => {
      await logOut(page, projectId, held());
      assert.equal(
        (await requests(projectId, '/v1/auth/refresh')).length,
        refreshFirst ? 1 : 0,
        'refresh requests before the logout',
      );

      await assertNoTokenLeft(page, `cookie mode, Domain=${cookieDomain}`);
      await assertRefused(projectId, { loggedOut: held(), original: signedIn.refreshJwt });
      assert.deepEqual(page.pageErrors, []);
    });

    it('logout() also removes the SDK\'s other session keys (DSLI, last user)', async () => {
      await assertStorageEmpty(page, `cookie mode, Domain=${cookieDomain}`);
    });
  });
}

for (const refreshFirst of [true, false]) {
  const then = refreshFirst ? 'refresh, then logout' : 'logout without a refresh';
  cookieHandover({
    title: `handover from @descope/web-js-sdk: session cookie with Domain=127.0.0.1; ${then}`,
    projectId: `P-handover-cookie-${refreshFirst ? 'refresh' : 'direct'}`,
    origin: serverOrigin,
    cookieDomain: '127.0.0.1',
    refreshFirst,
  });
  cookieHandover({
    title: `handover from @descope/web-js-sdk: session cookie at the parent domain (page on ${APP_HOST}); ${then}`,
    projectId: `P-handover-cookie-parent-${refreshFirst ? 'refresh' : 'direct'}`,
    origin: () => appOrigin(world.server),
    cookieDomain: PARENT_DOMAIN,
    refreshFirst,
  });
}
