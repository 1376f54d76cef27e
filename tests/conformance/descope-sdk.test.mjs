// The official @descope/web-js-sdk, in headless Chromium, against the devserver: proves that the
// devserver speaks Descope's session API the way Descope's own client expects it.
//
//   cargo build -p devserver && node --test tests/conformance/

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { openPage } from '../support/world.mjs';
import {
  LOGIN,
  PASSWORD,
  assertOk,
  claims,
  refreshStatus,
  signIn,
  useConformanceWorld,
} from './support.mjs';

const world = useConformanceWorld();

/** A page at the devserver's origin with `window.sdk = Descope({ projectId, baseUrl, ...options })`. */
async function openSdk({ projectId, baseUrl, options = {} }) {
  const { context, page } = await openPage(world.browser);
  const requests = [];
  page.on('request', (request) => {
    if (new URL(request.url()).pathname.startsWith('/v1/')) requests.push(request);
  });
  await page.goto(`${world.server.url}/conformance/`);
  assert.equal(
    await page.evaluate((o) => window.conformance.create(o), { projectId, baseUrl, ...options }),
    true,
  );
  return {
    context,
    call: (path, ...args) => page.evaluate(([p, a]) => window.conformance.call(p, ...a), [path, args]),
    storage: () => page.evaluate(() => window.conformance.storage()),
    documentCookie: () => page.evaluate(() => window.conformance.cookies()),
    currentTenant: () => page.evaluate(() => window.conformance.currentTenant()),
    /** Headers of the last request the page sent to `path`. */
    lastRequest: async (path) => {
      const request = requests.findLast((r) => new URL(r.url()).pathname === path);
      assert.ok(request, `the SDK sent no request to ${path}`);
      return { url: new URL(request.url()), headers: await request.allHeaders() };
    },
    close: () => context.close(),
  };
}

describe('tokens in localStorage, API on another loopback origin (CORS)', () => {
  const projectId = 'P-conformance';
  let sdk;
  let pageOrigin;

  before(async () => {
    // The page is served from 127.0.0.1, the API is called on localhost: every call is
    // cross-origin with credentials and custom headers, so preflights and CORS headers count.
    const api = new URL(world.server.url);
    api.hostname = 'localhost';
    pageOrigin = new URL(world.server.url).origin;
    sdk = await openSdk({ projectId, baseUrl: api.origin });
  });
  after(() => sdk?.close());

  it('refuses a wrong password with the Descope error body', async () => {
    const result = await sdk.call('password.signIn', LOGIN, 'wrong');
    assert.equal(result.ok, false);
    assert.equal(result.code, 401);
    assert.equal(result.error.errorCode, 'E062108');
  });

  it('signs in with a password and persists the tokens', async () => {
    const result = await sdk.call('password.signIn', LOGIN, PASSWORD);
    assertOk(result, 'signIn');
    const { data } = result;
    assert.equal(data.user.userId, 'U-demo');
    assert.deepEqual(data.user.loginIds, [LOGIN]);
    assert.equal(typeof data.sessionExpiration, 'number');
    assert.equal(claims(data.sessionJwt).sub, 'U-demo');
    const stored = await sdk.storage();
    assert.equal(stored.DS, data.sessionJwt);
    assert.equal(stored.DSR, data.refreshJwt);

    const { headers } = await sdk.lastRequest('/v1/auth/password/signin');
    assert.equal(headers.authorization, `Bearer ${projectId}`);
    assert.equal(headers['x-descope-sdk-name'], 'web-js');
    assert.equal(headers['x-descope-project-id'], projectId);
    assert.ok(headers['x-descope-sdk-version']);
    assert.ok(headers['x-descope-sdk-session-id']);
    assert.equal(headers.origin, pageOrigin);
  });

  it('refreshes and rotates the persisted tokens', async () => {
    const before = await sdk.storage();
    const result = await sdk.call('refresh');
    assertOk(result, 'refresh');
    assert.notEqual(result.data.refreshJwt, before.DSR);
    assert.notEqual(result.data.sessionJwt, before.DS);
    const after = await sdk.storage();
    assert.equal(after.DSR, result.data.refreshJwt);
    assert.equal(after.DS, result.data.sessionJwt);

    const { url, headers } = await sdk.lastRequest('/v1/auth/refresh');
    assert.equal(headers.authorization, `Bearer ${projectId}:${before.DSR}`);
    assert.equal(url.searchParams.get('dcs'), 't');
    assert.equal(url.searchParams.get('dcr'), 't');

    const log = await world.server.control.log({ project: projectId, path: '/v1/auth/refresh' });
    const last = log.at(-1);
    assert.equal(last.status, 200);
    assert.equal(last.tokenJti, claims(before.DSR).jti);
    assert.equal(last.origin, pageOrigin);
    // Preflights are not logged: one entry per call.
    assert.equal(log.length, 1);
  });

  it('reads the user', async () => {
    const result = await sdk.call('me');
    assertOk(result, 'me');
    assert.equal(result.data.userId, 'U-demo');
    assert.equal(result.data.name, 'Demo User');
    assert.deepEqual(
      result.data.userTenants.map((t) => t.tenantId),
      ['T-acme', 'T-globex'],
    );
    const { headers } = await sdk.lastRequest('/v1/auth/me');
    assert.equal(headers.authorization, `Bearer ${projectId}:${(await sdk.storage()).DSR}`);
  });

  it('selects a tenant: dct in the new session JWT, refresh rotated', async () => {
    const before = await sdk.storage();
    const result = await sdk.call('selectTenant', 'T-acme');
    assertOk(result, 'selectTenant');
    assert.equal(claims(result.data.sessionJwt).dct, 'T-acme');
    const after = await sdk.storage();
    assert.equal(after.DS, result.data.sessionJwt);
    assert.notEqual(after.DSR, before.DSR);
    assert.equal(await sdk.currentTenant(), 'T-acme');
  });

  it('reads the sign-in history', async () => {
    const result = await sdk.call('history');
    assertOk(result, 'history');
    assert.ok(Array.isArray(result.data) && result.data.length >= 1);
    const [latest] = result.data;
    assert.equal(latest.userId, 'U-demo');
    assert.equal(typeof latest.loginTime, 'number');
    for (const key of ['city', 'country', 'ip']) assert.equal(typeof latest[key], 'string');
  });

  it('sees Retry-After on a 429 across origins', async () => {
    const before = await sdk.storage();
    await world.server.control.fault({ path: '/v1/auth/tenant/select', status: 429, retryAfter: 5, project: projectId });
    const result = await sdk.call('selectTenant', 'T-globex');
    assert.equal(result.ok, false);
    assert.equal(result.code, 429);
    assert.equal(result.error.retryAfter, 5);
    assert.equal((await sdk.storage()).DSR, before.DSR);
  });

  it('logs out: storage cleared, the refresh token refused afterwards', async () => {
    const { DSR: old } = await sdk.storage();
    const result = await sdk.call('logout');
    assertOk(result, 'logout');
    const stored = await sdk.storage();
    assert.equal(stored.DS, undefined);
    assert.equal(stored.DSR, undefined);
    const refused = await refreshStatus(world.server, projectId, old);
    assert.equal(refused.status, 401);
    assert.equal(refused.body.errorCode, 'E061004');
  });

  it('logs out everywhere: every session of the user refused', async () => {
    assertOk(await sdk.call('password.signIn', LOGIN, PASSWORD), 'signIn again');
    const { DSR: mine } = await sdk.storage();
    const elsewhere = await signIn(world.server, projectId);

    assertOk(await sdk.call('logoutAll'), 'logoutAll');
    assert.equal((await sdk.storage()).DSR, undefined);
    for (const token of [mine, elsewhere.refreshJwt]) {
      assert.equal((await refreshStatus(world.server, projectId, token)).status, 401);
    }
  });
});

describe('session token in a cookie', () => {
  const projectId = 'P-conformance-cookie';
  let sdk;

  before(async () => {
    sdk = await openSdk({
      projectId,
      baseUrl: world.server.url,
      options: { sessionTokenViaCookie: { secure: false, sameSite: 'Lax' } },
    });
  });
  after(() => sdk?.close());

  it('writes DS as a cookie and DSR to localStorage, and clears both on logout', async () => {
    const signIn = await sdk.call('password.signIn', LOGIN, PASSWORD);
    assertOk(signIn, 'signIn');
    assert.ok((await sdk.documentCookie()).includes(`DS=${signIn.data.sessionJwt}`));
    assert.equal((await sdk.storage()).DSR, signIn.data.refreshJwt);

    const refresh = await sdk.call('refresh');
    assertOk(refresh, 'refresh');
    assert.ok((await sdk.documentCookie()).includes(`DS=${refresh.data.sessionJwt}`));
    assert.equal((await sdk.storage()).DSR, refresh.data.refreshJwt);

    assertOk(await sdk.call('logout'), 'logout');
    assert.ok(!(await sdk.documentCookie()).includes('DS='));
    assert.equal((await refreshStatus(world.server, projectId, refresh.data.refreshJwt)).status, 401);
  });
});

describe('refresh token in an HttpOnly cookie set by the server', () => {
  const projectId = 'P-conformance-httponly';
  let sdk;

  const refreshCookie = async () =>
    (await sdk.context.cookies(world.server.url)).find((c) => c.name === 'DSR');

  before(async () => {
    await world.server.control.project(projectId, { refreshCookie: true });
    // Same origin: a SameSite=Lax cookie set by the API must travel back to it.
    sdk = await openSdk({ projectId, baseUrl: world.server.url });
  });
  after(() => sdk?.close());

  it('signs in without a refresh token in the body', async () => {
    const result = await sdk.call('password.signIn', LOGIN, PASSWORD);
    assertOk(result, 'signIn');
    assert.equal(result.data.refreshJwt, undefined);
    assert.equal(result.data.cookieName, 'DSR');
    const stored = await sdk.storage();
    assert.equal(stored.DSR, undefined);
    assert.equal(stored.DS, result.data.sessionJwt);
    assert.equal(stored.DSRCN, 'DSR'); // the SDK remembers the server's cookie name
    const cookie = await refreshCookie();
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Lax');
    assert.ok(!(await sdk.documentCookie()).includes('DSR='));
  });

  it('refreshes through the cookie alone', async () => {
    const before = await refreshCookie();
    const result = await sdk.call('refresh');
    assertOk(result, 'refresh');
    const after = await refreshCookie();
    assert.notEqual(after.value, before.value);
    const { url, headers } = await sdk.lastRequest('/v1/auth/refresh');
    assert.equal(headers.authorization, `Bearer ${projectId}`);
    assert.equal(headers['x-descope-refresh-cookie-name'], 'DSR');
    assert.equal(url.searchParams.get('dcr'), 'f');
    const [entry] = (await world.server.control.log({ project: projectId, path: '/v1/auth/refresh' })).slice(-1);
    assert.equal(entry.tokenJti, claims(before.value).jti);

    assertOk(await sdk.call('me'), 'me');
  });

  it('logs out: the server expires the cookie and refuses the token', async () => {
    const { value } = await refreshCookie();
    assertOk(await sdk.call('logout'), 'logout');
    assert.equal(await refreshCookie(), undefined);
    assert.equal((await refreshStatus(world.server, projectId, value)).status, 401);
  });
});
