// Hardening of the session lifecycle in headless Chromium against the devserver: going offline
// and back online during a refresh backoff, logout from a follower tab with sessionStorage,
// a callback that logs out from inside an event, and the session cookie's Domain (as the
// official SDK writes it) together with logout clearing token cookies at parent domains and
// page-path prefixes.
//
// The browser maps `app.hardening.test` to 127.0.0.1 so that a page can live on a subdomain;
// `SK_PKG_DIR=<dir>` runs these tests against another build of the package.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { openTab, requests, sleep, startWorld, unique, until } from './harness.mjs';

const HOST = 'app.hardening.test';
const PARENT = 'hardening.test';
const REFRESH = '/v1/auth/refresh';
const TOKEN_COOKIES = ['DS', 'DSR'];
// Keys Descope's SDKs share on the origin (API.md §6): no token in them, removed on logout.
const SHARED_KEYS = ['DSLI', 'dls_last_user_login_id', 'dls_last_user_display_name'];

let world;
before(async () => {
  world = await startWorld(['--static', '/e2e=tests/e2e/page'], {
    browserArgs: (server) => [
      `--host-resolver-rules=MAP ${HOST} 127.0.0.1`,
      `--unsafely-treat-insecure-origin-as-secure=http://${HOST}:${server.port}`,
    ],
  });
});
after(async () => {
  await world?.stop();
});

/** A fresh project with `config`, and `count` tabs of one new context (at `url`, if given). */
async function openProject(config, count, { url } = {}) {
  const id = unique('P');
  await world.server.control.project(id, config);
  const context = await world.browser.newContext();
  const tabs = [];
  for (let i = 0; i < count; i++) tabs.push(await openTab(world, context, { url }));
  return { project: id, context, tabs };
}

/** A fresh project with `config`, and `count` tabs of one new context with a manager each. */
async function project(config, count, options = {}) {
  const opened = await openProject(config, count);
  const id = opened.project;
  for (const t of opened.tabs) await t.create({ projectId: id, storagePrefix: `${id}.`, ...options });
  return opened;
}

const tokenCookies = async (context) =>
  (await context.cookies()).filter((c) => TOKEN_COOKIES.includes(c.name));
const describeCookies = (cookies) =>
  JSON.stringify(cookies.map((c) => `${c.name}@${c.domain}${c.path}${c.secure ? ' Secure' : ''}`));
const ofType = (events, type) => events.filter((e) => e.type === type).map((e) => e.value);
const hasTokenCookie = (documentCookie) =>
  documentCookie.split(';').some((c) => TOKEN_COOKIES.includes(c.trim().split('=')[0]));

describe('hardening', () => {
  /**
   * A signed-in tab whose refresh failed `failures` times (503) goes offline right after the
   * last failure, for `offlineMs`, while wake-up signals arrive; then back online.
   */
  async function offlineDuringBackoff(failures, offlineMs) {
    const { project: p, context, tabs: [t] } = await project({ nextRefreshSeconds: 1 }, 1);
    // Every refresh request the page starts, whether or not it reaches the server.
    const started = [];
    context.on('request', (r) => {
      if (new URL(r.url()).pathname === REFRESH) started.push(Date.now());
    });
    await world.server.control.fault({ path: REFRESH, project: p, status: 503, count: failures });
    assert.equal(await t.signIn(p, `${unique('u')}@example.com`), 200);
    const signedIn = await t.state();
    // Due after 1 s, then retried after about 1 s, 2 s, 4 s … (±25 %).
    await until(async () => (await requests(world, p, REFRESH)).length >= failures, 12_000, `${failures} failed refreshes`);
    await context.setOffline(true);
    const wentOffline = Date.now();
    const failed = await requests(world, p, REFRESH);
    assert.deepEqual(failed.map((e) => e.status), Array(failures).fill(503));
    const last = failed[failures - 1].at;
    const backoff = 1000 * 2 ** (failures - 1);
    const backoffWindow = [last + backoff * 0.75, last + backoff * 1.25];
    assert.ok(wentOffline - last < 500, `went offline ${wentOffline - last} ms after the last failure`);
    assert.equal(await t.page.evaluate(() => navigator.onLine), false);
    const startedBefore = started.length;

    // Wake-up signals (which retry at once during a backoff) arrive while offline: once within
    // the 1 s minimum between attempts, once after it.
    const wake = () => t.page.evaluate(() => {
      window.dispatchEvent(new Event('focus'));
      document.dispatchEvent(new Event('visibilitychange'));
      window.dispatchEvent(new Event('pageshow'));
    });
    await sleep(800);
    await wake();
    await sleep(800);
    await wake();
    await sleep(offlineMs - 1600);
    assert.equal(started.length, startedBefore, 'the page started a refresh while offline');
    assert.equal((await requests(world, p, REFRESH)).length, failures, 'a refresh reached the server while offline');
    const offline = await t.state();
    assert.deepEqual(
      [offline.isAuthenticated, offline.sessionToken, offline.refreshToken],
      [true, signedIn.sessionToken, signedIn.refreshToken],
      'the session is kept while offline',
    );
    assert.equal(ofType(await t.events(), 'refreshError').length, failures, 'an attempt was spent while offline');

    const wentOnline = Date.now();
    await context.setOffline(false);
    await until(async () => (await requests(world, p, REFRESH)).length > failures, 2500, 'a refresh after going online');
    const retry = (await requests(world, p, REFRESH))[failures];
    assert.equal(retry.status, 200);
    assert.ok(retry.at - wentOnline <= 1000, `the retry came ${retry.at - wentOnline} ms after going online`);
    await until(async () => (await t.state()).sessionToken !== signedIn.sessionToken, 1000, 'the new tokens');
    const now = await t.state();
    assert.equal(now.isAuthenticated, true);
    assert.notEqual(now.refreshToken, signedIn.refreshToken);
    assert.equal((await t.storage())[`${p}.DSR`], now.refreshToken);
    assert.ok((await t.cookies()).includes(`DS=${now.sessionToken}`));
    const events = await t.events();
    assert.deepEqual(ofType(events, 'auth'), [true], 'the session was never dropped');
    assert.deepEqual(ofType(events, 'refreshError').map((e) => e.status), Array(failures).fill(503));
    await sleep(300);
    assert.equal((await requests(world, p, REFRESH)).length, failures + 1, 'one retry, not several');
    assert.deepEqual(t.errors, []);
    await context.close();
    return { wentOnline, backoffWindow };
  }

  it('offline during a refresh backoff spends no attempt; coming back online retries at once, without waiting it out', async () => {
    // The fourth failure starts a wait of 6–10 s; the tab is back online well before it ends.
    const { wentOnline, backoffWindow } = await offlineDuringBackoff(4, 3000);
    assert.ok(wentOnline < backoffWindow[0] - 1500, 'the test went online too late to tell');
  });

  it('a backoff that ends while offline spends no attempt; coming back online retries at once', async () => {
    // The second failure starts a wait of 1.5–2.5 s, which passes offline.
    const { wentOnline, backoffWindow } = await offlineDuringBackoff(2, 3500);
    assert.ok(wentOnline > backoffWindow[1] + 500, 'the backoff had not ended offline');
  });

  // `early`: tab B is open when A signs in (on 127.0.0.1, cookie host-only at /). `late`: B opens
  // after the sign-in and finds only the session cookie, which sits at the parent domain and
  // a cookiePath (`sessionCookieDomain`, `cookiePath`) of a page on a subdomain.
  const setups = {
    early: { late: false, config: {}, url: () => undefined },
    late: {
      late: true,
      config: { sessionCookieDomain: PARENT, cookiePath: '/e2e' },
      url: () => `http://${HOST}:${world.server.port}/e2e/`,
    },
  };
  for (const [setup, { late, config, url }] of Object.entries(setups)) {
    for (const leader of [false, true]) {
      const who = leader ? 'the tab that signed in' : 'the follower';
      it(`sessionStorage in two tabs (${setup}): logout by ${who} leaves no token cookie and no session after a reload`, async () => {
        const p = unique('P');
        await world.server.control.project(p, { nextRefreshSeconds: 3600, ...config });
        const options = { projectId: p, storagePrefix: `${p}.`, persist: 'sessionStorage' };
        const context = await world.browser.newContext();
        const open = async () => {
          const t = await openTab(world, context, { url: url() });
          await t.create(options);
          return t;
        };
        const a = await open();
        let b = late ? undefined : await open();
        assert.equal(await a.signIn(p, `${unique('u')}@example.com`), 200);
        const signedIn = await a.state();
        const [cookie] = await tokenCookies(context);
        assert.equal(cookie?.value, signedIn.sessionToken, 'the session token is in the DS cookie');
        // No token in localStorage: only the keys shared with Descope's own SDKs (the logged-in
        // indicator and the last user), which hold none.
        const local = await a.storage('localStorage');
        assert.deepEqual(Object.keys(local).filter((k) => !SHARED_KEYS.includes(k)), [], 'no key of ours in localStorage');
        assert.ok('DSLI' in local, 'the logged-in indicator is written');
        for (const value of Object.values(local)) {
          assert.ok(!value.includes(signedIn.sessionToken) && !value.includes(signedIn.refreshToken), 'no token in localStorage');
        }
        if (late) b = await open();
        await until(async () => (await b.state()).sessionToken === signedIn.sessionToken, 2000, 'tab B to get the session');
        await sleep(300);

        // Everything that matters, compared at once so that a failure shows all of it (tokens
        // by name, not value).
        const label = (token) => {
          if (token === undefined) return undefined;
          if (token === signedIn.sessionToken) return 'session token';
          if (token === signedIn.refreshToken) return 'refresh token';
          return 'another token';
        };
        const stateOf = (s) => [s.isAuthenticated, label(s.sessionToken), label(s.refreshToken)];
        const observe = async (t) => {
          const events = await t.events();
          return {
            state: stateOf(await t.state()),
            tokenCookieVisible: hasTokenCookie(await t.cookies()),
            auth: ofType(events, 'auth'),
            tokens: ofType(events, 'token').map(label),
            keys: [
              ...Object.keys(await t.storage('sessionStorage')),
              ...Object.keys(await t.storage('localStorage')),
            ].filter((k) => k.startsWith(p)),
            sharedKeys: Object.keys(await t.storage('localStorage')).filter((k) => SHARED_KEYS.includes(k)),
          };
        };
        const bBefore = await b.state();
        const [out, other] = leader ? [a, b] : [b, a];
        const logout = await out.call('logout');
        await until(async () => !(await other.state()).isAuthenticated, 1000, 'the other tab to follow').catch(() => {});
        await sleep(300);
        const observed = {
          bGotTokens: [bBefore.sessionToken === signedIn.sessionToken, bBefore.refreshToken === signedIn.refreshToken],
          logout: logout.ok ? 'ok' : logout.error,
          a: await observe(a),
          b: await observe(b),
          cookiesLeft: describeCookies(await tokenCookies(context)),
          afterReload: {},
        };
        // A reload of either tab starts signed out.
        for (const [name, t] of [['a', a], ['b', b]]) {
          await t.reload();
          await t.create(options);
          await t.page.evaluate(() => window.session.ready());
          observed.afterReload[name] = stateOf(await t.state());
        }
        observed.cookiesAfterReload = describeCookies(await tokenCookies(context));
        observed.pageErrors = a.errors.concat(b.errors);

        const signedOut = [false, undefined, undefined];
        const gone = (events) => ({ state: signedOut, tokenCookieVisible: false, ...events, keys: [], sharedKeys: [] });
        const full = { auth: [true, false], tokens: ['session token', undefined] };
        assert.deepEqual(observed, {
          bGotTokens: [true, true],
          logout: 'ok',
          a: gone(full),
          // A tab opened after the sign-in heard of no sign-in: it only sees the session end.
          b: gone(late ? { auth: [false], tokens: [undefined] } : full),
          cookiesLeft: '[]',
          afterReload: { a: signedOut, b: signedOut },
          cookiesAfterReload: '[]',
          pageErrors: [],
        });
        await context.close();
      });
    }
  }

  it('a token callback that logs out from inside the event: each event once, in order, and the module still works', async () => {
    const { project: p, context, tabs: [t] } = await project({ nextRefreshSeconds: 3600 }, 1);
    await t.page.evaluate(() => {
      window.reentrant = { calls: 0, result: undefined, thrown: undefined };
      window.session.onSessionTokenChange((token) => {
        if (token === undefined || window.reentrant.calls > 0) return;
        window.reentrant.calls += 1;
        try {
          window.reentrant.result = window.session.logout().then(
            () => ({ ok: true }),
            (error) => ({ ok: false, code: error.code, message: error.message }),
          );
        } catch (error) {
          window.reentrant.thrown = String(error && error.message);
        }
      });
    });
    let signIn;
    try {
      signIn = await t.signIn(p, `${unique('u')}@example.com`);
    } catch (error) {
      assert.fail(`apply() threw when a callback logged out: ${error.message}`);
    }
    assert.equal(signIn, 200);
    const outcome = await t.page.evaluate(async () => ({
      calls: window.reentrant.calls,
      thrown: window.reentrant.thrown,
      result: await window.reentrant.result,
    }));
    assert.deepEqual(outcome, { calls: 1, thrown: undefined, result: { ok: true } });
    await sleep(300);
    const events = await t.events();
    const [token] = ofType(events, 'token');
    const claims = JSON.parse(Buffer.from(String(token).split('.')[1] ?? '', 'base64url').toString() || 'null');
    assert.deepEqual([claims?.iss, claims?.drn], [p, 'DS'], 'the sign-in token was announced first');
    assert.deepEqual(ofType(events, 'auth'), [true, false]);
    assert.deepEqual(ofType(events, 'token'), [token, undefined]);
    const s = await t.state();
    assert.deepEqual([s.isAuthenticated, s.sessionToken, s.refreshToken], [false, undefined, undefined]);
    assert.deepEqual(Object.keys(await t.storage()).filter((k) => k.startsWith(p)), []);
    assert.ok(!hasTokenCookie(await t.cookies()), await t.cookies());
    assert.deepEqual(await tokenCookies(context), []);
    assert.equal((await requests(world, p, '/v1/auth/logout')).length, 1);
    assert.deepEqual(t.errors, [], 'page errors');

    // Still usable: a second sign-in (the callback does nothing more) and a refresh.
    assert.equal(await t.signIn(p, `${unique('u')}@example.com`), 200);
    const second = await t.state();
    assert.equal(second.isAuthenticated, true);
    const refreshed = await t.call('refresh');
    assert.equal(refreshed.ok, true, JSON.stringify(refreshed));
    const after = await t.state();
    assert.equal(after.isAuthenticated, true);
    assert.notEqual(after.refreshToken, second.refreshToken);
    assert.deepEqual((await requests(world, p, REFRESH)).map((e) => e.status), [200]);
    assert.deepEqual(ofType(await t.events(), 'auth'), [true, false, true]);
    assert.deepEqual(t.errors, [], 'page errors');
    await context.close();
  });

  it('dispose() during a refresh (React StrictMode mounts twice): the rotation is kept, never revoked', async () => {
    const { project: p, context, tabs: [t] } = await openProject({ nextRefreshSeconds: 3600 }, 1);
    const options = { projectId: p, storagePrefix: `${p}.`, autoRefresh: false };
    await t.create(options);
    assert.equal(await t.signIn(p, `${unique('u')}@example.com`), 200);
    const signedIn = await t.state();
    await world.server.control.fault({ path: REFRESH, project: p, delayMs: 500 });
    // The first mount's refresh goes out (the server answers it 500 ms later); StrictMode
    // unmounts it and mounts again at once.
    await t.page.evaluate(() => {
      window.first = window.session;
      window.firstEvents = [];
      window.first.onSessionTokenChange((token) => window.firstEvents.push(token));
      window.firstRefresh = window.first.refresh().then(() => 'resolved', (e) => e.code);
    });
    await sleep(150);
    await t.page.evaluate(() => window.first.dispose());
    await t.create(options);
    const mounted = await t.state();
    assert.equal(mounted.refreshToken, signedIn.refreshToken, 'the second mount restored the session');
    // The first mount's answer arrives after its dispose(): stored and told, never revoked.
    await until(async () => (await t.state()).refreshToken !== signedIn.refreshToken, 3000, 'the rotation in the second mount');
    await sleep(200);
    assert.equal((await requests(world, p, '/v1/auth/logout')).length, 0, 'the rotation was revoked');
    assert.deepEqual(await t.page.evaluate(() => window.firstEvents), [], 'the disposed manager fired events');
    const kept = await t.state();
    assert.equal((await t.storage())[`${p}.DSR`], kept.refreshToken);
    const refreshed = await t.call('refresh');
    assert.equal(refreshed.ok, true, JSON.stringify(refreshed));
    assert.deepEqual((await requests(world, p, REFRESH)).map((e) => e.status), [200, 200]);
    assert.equal((await t.state()).isAuthenticated, true);
    assert.deepEqual(t.errors, []);
    await context.close();
  });

  it('in a sandboxed frame, where Web Locks requests reject, every call settles', async () => {
    const { project: p, context, tabs: [t] } = await openProject({ nextRefreshSeconds: 3600 }, 1);
    const response = await t.page.evaluate(async (projectId) => {
      const r = await fetch('/v1/auth/password/signin', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${projectId}` },
        body: JSON.stringify({ loginId: `sandboxed-${Date.now()}@example.com`, password: 'pw-12345' }),
      });
      return r.json();
    }, p);
    await t.page.evaluate(() => {
      const frame = document.createElement('iframe');
      frame.setAttribute('sandbox', 'allow-scripts');
      frame.src = '/sandboxed.html';
      document.body.append(frame);
    });
    const frame = await until(
      async () => {
        for (const f of t.page.frames()) {
          if (f !== t.page.mainFrame() && (await f.evaluate(() => window.sandboxedReady === true).catch(() => false))) return f;
        }
        return null;
      },
      10_000,
      'the sandboxed frame',
    );
    assert.equal(await frame.evaluate(() => window.sandboxed.lock()), 'SecurityError', 'locks are refused in the frame');
    const result = await frame.evaluate(
      ([options, body]) => window.sandboxed.run(options, body),
      [{ projectId: p, baseUrl: world.server.url, requestTimeoutMs: 3000 }, response],
    );
    for (const [name, settled] of Object.entries({ ...result.settled, later: result.later })) {
      assert.notEqual(settled, 'pending', `${name}() never settled: ${JSON.stringify(result)}`);
    }
    assert.equal(result.authenticated, true, 'the session applied in the frame');
    assert.deepEqual(t.errors, []);
    await context.close();
  });

  describe(`on ${HOST}`, () => {
    const url = (path) => `http://${HOST}:${world.server.port}${path}`;
    async function onSubdomain(config, path = '/e2e/') {
      const { project: id, context, tabs: [t] } = await openProject(config, 1, { url: url(path) });
      assert.equal(await t.page.evaluate(() => location.host), `${HOST}:${world.server.port}`);
      assert.equal(await t.page.evaluate(() => window.isSecureContext), true);
      await t.create({ projectId: id, storagePrefix: `${id}.` });
      assert.equal(await t.signIn(id, `${unique('u')}@example.com`), 200);
      return { project: id, context, t };
    }

    // The devserver answers `"sessionCookieDomain": ""` here, as Descope does for a project that
    // sets none: an empty field counts as absent.
    it('the session cookie takes cookieDomain when sessionCookieDomain is empty', async () => {
      const { project: p, context, t } = await onSubdomain({ nextRefreshSeconds: 3600, cookieDomain: PARENT });
      const { sessionToken, refreshToken } = await t.state();
      const cookies = await tokenCookies(context);
      assert.deepEqual(
        cookies.map((c) => [c.name, c.value === sessionToken, c.domain, c.path, c.secure, c.sameSite]),
        [['DS', true, `.${PARENT}`, '/', true, 'Strict']],
        describeCookies(cookies),
      );
      assert.equal((await t.storage())[`${p}.DSR`], refreshToken);
      assert.equal((await t.storage())[`${p}.DS`], undefined);
      // A refresh writes the new token to the same place, leaving no second cookie.
      assert.equal((await t.call('refresh')).ok, true);
      const after = await t.state();
      const refreshed = await tokenCookies(context);
      assert.deepEqual(refreshed.map((c) => [c.name, c.value === after.sessionToken, c.domain, c.path]), [['DS', true, `.${PARENT}`, '/']], describeCookies(refreshed));
      assert.deepEqual(t.errors, []);
      await context.close();
    });

    it('logout expires token cookies at every parent domain and page-path prefix', async () => {
      const { project: p, context, t } = await onSubdomain({ nextRefreshSeconds: 3600, cookieDomain: PARENT });
      // Other writers (another persist mode, the official SDK, the server) left token cookies
      // wherever this page can see them.
      const planted = [
        `DS=x; Domain=${PARENT}; Path=/`,
        'DS=h; Path=/',
        `DS=a; Domain=${HOST}; Path=/`,
        'DS=e; Path=/e2e',
        `DS=s; Domain=${PARENT}; Path=/e2e/; Secure; SameSite=Lax`,
        'DSR=y; Path=/',
        `DSR=z; Domain=${PARENT}; Path=/; Secure; SameSite=Lax`,
        `DSR=f; Domain=${PARENT}; Path=/e2e/`,
        `DSR=g; Domain=${HOST}; Path=/e2e`,
      ];
      await t.page.evaluate((list) => {
        for (const c of list) document.cookie = c;
      }, planted);
      const before = await tokenCookies(context);
      assert.equal(before.length, planted.length, `planted ${describeCookies(before)}`);
      const result = await t.call('logout');
      assert.equal(result.ok, true, JSON.stringify(result));
      const left = await tokenCookies(context);
      assert.deepEqual(left, [], `token cookies left: ${describeCookies(left)}`);
      assert.ok(!hasTokenCookie(await t.cookies()), await t.cookies());
      const s = await t.state();
      assert.deepEqual([s.isAuthenticated, s.sessionToken, s.refreshToken], [false, undefined, undefined]);
      assert.deepEqual(Object.keys(await t.storage()).filter((k) => k.startsWith(p)), []);
      assert.deepEqual(t.errors, []);
      await context.close();
    });
  });
});
