// The framework-state contract of SessionManager (API.md §6) in headless Chromium, in plain
// JavaScript, as the README's React, Vue and Svelte recipes rely on it:
//   - getSnapshot() returns { isAuthenticated, user, claims, currentTenant, expiresAt } — those
//     five keys, always — holding no token, and the same object (===) until something in it
//     changes (React's useSyncExternalStore loops and warns otherwise);
//   - subscribe(cb) calls cb at once with the current snapshot (the Svelte store contract), then
//     once per change with the new snapshot, and never after its unsubscribe function ran;
//   - so the session is a Svelte store ({ subscribe }) and `get(store)` reads it;
//   - subscribe and getSnapshot work unbound, as React users pass them;
//   - a logout in another tab reaches the subscribers of this one.
// The page is the end-to-end harness (tests/e2e/page), which loads pkg/ (or $SK_PKG_DIR).
//
//   cargo build -p devserver && ./scripts/build-pkg.sh && node --test tests/frameworks/

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { openTabs, sleep, startWorld, unique, until } from '../e2e/harness.mjs';

const KEYS = ['claims', 'currentTenant', 'expiresAt', 'isAuthenticated', 'user'];

let world;
before(async () => {
  world = await startWorld();
});
after(async () => {
  await world?.stop();
});

/**
 * Installs `window.fw` in the tab: named snapshots kept by identity, and subscribers that
 * record every call. Everything that compares identities runs in the page.
 */
async function installProbe(t) {
  await t.page.evaluate(() => {
    const taken = new Map();
    const subscribers = new Map();
    window.fw = {
      take(name) {
        taken.set(name, window.session.getSnapshot());
        return true;
      },
      same: (a, b) => taken.get(a) === taken.get(b),
      isCurrent: (name) => taken.get(name) === window.session.getSnapshot(),
      describe(name) {
        const s = taken.get(name);
        return {
          keys: Object.keys(s).sort(),
          ownKeys: Reflect.ownKeys(s).map(String).sort(),
          json: JSON.stringify(s),
          isAuthenticated: s.isAuthenticated,
          userName: s.user?.name,
          userId: s.user?.userId,
          claims: s.claims,
          currentTenant: s.currentTenant,
          expiresAt: s.expiresAt,
          undefinedKeys: Object.keys(s).filter((k) => s[k] === undefined).sort(),
        };
      },
      /** Subscribes `name`; reports whether the first call came at once, with the current snapshot. */
      subscribe(name) {
        const calls = [];
        const current = window.session.getSnapshot();
        const unsubscribe = window.session.subscribe((snapshot) => calls.push(snapshot));
        subscribers.set(name, { calls, unsubscribe });
        return {
          returnsFunction: typeof unsubscribe === 'function',
          callsAtOnce: calls.length,
          firstIsCurrent: calls[0] === current,
        };
      },
      unsubscribe(name) {
        const { unsubscribe } = subscribers.get(name);
        unsubscribe();
        unsubscribe(); // a second call is harmless
        return true;
      },
      /** What `name` has received: count, whether every call brought a new object, and the last. */
      calls(name) {
        const { calls } = subscribers.get(name);
        const last = calls[calls.length - 1];
        return {
          count: calls.length,
          distinct: calls.every((s, i) => i === 0 || s !== calls[i - 1]),
          lastIsCurrent: last === window.session.getSnapshot(),
          last: last && { isAuthenticated: last.isAuthenticated, user: last.user?.name, currentTenant: last.currentTenant },
        };
      },
    };
  });
}

/** One tab (or `count` tabs of one profile) on a fresh project, each with a SessionManager and the probe. */
async function fresh(count = 1) {
  const project = unique('P');
  await world.server.control.project(project, {});
  const { context, tabs } = await openTabs(world, count);
  for (const t of tabs) {
    await t.create({ projectId: project, storagePrefix: `${project}.` });
    await installProbe(t);
  }
  return { project, context, tabs, loginId: `${unique('u')}@example.com` };
}

const fw = (t, method, ...args) => t.page.evaluate(([m, a]) => window.fw[m](...a), [method, args]);
const jwtParts = (jwt) => (jwt ? [jwt, jwt.split('.')[2]] : []);

/** Asserts that the snapshot `name` has the five keys and none of the tokens `state` holds. */
async function assertShape(t, name, state) {
  const d = await fw(t, 'describe', name);
  assert.deepEqual(d.keys, KEYS, `${name}: the snapshot's keys`);
  assert.deepEqual(d.ownKeys, KEYS, `${name}: the snapshot's own properties`);
  for (const secret of [...jwtParts(state.sessionToken), ...jwtParts(state.refreshToken)]) {
    assert.ok(!d.json.includes(secret), `${name}: a token is in the snapshot`);
  }
  return d;
}

describe('getSnapshot()', () => {
  it('has the five keys, no token, and stays the same object until a change', async () => {
    const { project, context, tabs: [t], loginId } = await fresh();

    await fw(t, 'take', 'out');
    assert.ok(await fw(t, 'isCurrent', 'out'), 'two calls without a change returned different objects');
    const out = await assertShape(t, 'out', {});
    assert.equal(out.isAuthenticated, false);
    assert.deepEqual(out.undefinedKeys, ['claims', 'currentTenant', 'expiresAt', 'user']);

    assert.equal(await t.signIn(project, loginId), 200);
    await fw(t, 'take', 'in');
    assert.ok(!(await fw(t, 'same', 'out', 'in')), 'the snapshot did not change on sign-in');
    await sleep(300);
    assert.ok(await fw(t, 'isCurrent', 'in'), 'the snapshot changed while nothing did');
    const state = await t.state();
    const signedIn = await assertShape(t, 'in', state);
    assert.equal(signedIn.isAuthenticated, true);
    assert.equal(signedIn.userName, loginId.split('@')[0]);
    assert.equal(signedIn.claims.sub, signedIn.userId);
    assert.deepEqual(signedIn.claims, await t.page.evaluate(() => window.session.claims));
    assert.equal(signedIn.expiresAt, state.expiresAt);
    assert.equal(signedIn.expiresAt, signedIn.claims.exp * 1000);
    assert.equal(signedIn.currentTenant, undefined);

    assert.equal((await t.call('selectTenant', 'T-acme')).ok, true);
    await fw(t, 'take', 'acme');
    assert.ok(!(await fw(t, 'same', 'in', 'acme')), 'the snapshot did not change on a tenant select');
    const acme = await assertShape(t, 'acme', await t.state());
    assert.equal(acme.currentTenant, 'T-acme');
    assert.equal(acme.claims.dct, 'T-acme');
    assert.equal(acme.userName, signedIn.userName);

    assert.equal((await t.call('refresh')).ok, true);
    await fw(t, 'take', 'refreshed');
    assert.ok(!(await fw(t, 'same', 'acme', 'refreshed')), 'the snapshot did not change with the new session JWT');
    const refreshed = await assertShape(t, 'refreshed', await t.state());
    assert.notEqual(refreshed.claims.jti, acme.claims.jti);
    assert.equal(refreshed.currentTenant, 'T-acme');

    assert.equal((await t.call('logout')).ok, true);
    await fw(t, 'take', 'loggedOut');
    const loggedOut = await assertShape(t, 'loggedOut', state);
    assert.equal(loggedOut.isAuthenticated, false);
    assert.deepEqual(loggedOut.undefinedKeys, ['claims', 'currentTenant', 'expiresAt', 'user']);
    await context.close();
  });
});

describe('subscribe(cb)', () => {
  it('calls back at once, then once per change, and never after unsubscribe', async () => {
    const { project, context, tabs: [t], loginId } = await fresh();

    const a = await fw(t, 'subscribe', 'a');
    assert.deepEqual(a, { returnsFunction: true, callsAtOnce: 1, firstIsCurrent: true });

    assert.equal(await t.signIn(project, loginId), 200);
    await until(async () => (await fw(t, 'calls', 'a')).count >= 2, 2000, 'the sign-in to reach the subscriber');
    await sleep(200);
    let calls = await fw(t, 'calls', 'a');
    assert.equal(calls.count, 2, 'one call for the sign-in');
    assert.ok(calls.lastIsCurrent && calls.distinct);
    assert.deepEqual(calls.last, { isAuthenticated: true, user: loginId.split('@')[0], currentTenant: undefined });

    assert.equal((await t.call('selectTenant', 'T-globex')).ok, true);
    await sleep(200);
    calls = await fw(t, 'calls', 'a');
    assert.equal(calls.count, 3, 'one call for the tenant select');
    assert.ok(calls.lastIsCurrent && calls.distinct);
    assert.equal(calls.last.currentTenant, 'T-globex');

    assert.equal((await t.call('refresh')).ok, true);
    await sleep(200);
    calls = await fw(t, 'calls', 'a');
    assert.equal(calls.count, 4, 'one call for the refresh');
    assert.ok(calls.lastIsCurrent && calls.distinct);

    // Reading the state changes nothing.
    await t.page.evaluate(() => [window.session.getSnapshot(), window.session.claims, window.session.user]);
    await sleep(200);
    assert.equal((await fw(t, 'calls', 'a')).count, 4);

    // A late subscriber gets the current snapshot at once.
    assert.deepEqual(await fw(t, 'subscribe', 'b'), { returnsFunction: true, callsAtOnce: 1, firstIsCurrent: true });
    await fw(t, 'unsubscribe', 'a');

    assert.equal((await t.call('logout')).ok, true);
    await until(async () => (await fw(t, 'calls', 'b')).count >= 2, 2000, 'the logout to reach the subscriber');
    await sleep(200);
    assert.equal((await fw(t, 'calls', 'a')).count, 4, 'called after unsubscribe');
    calls = await fw(t, 'calls', 'b');
    assert.equal(calls.count, 2, 'one call for the logout');
    assert.ok(calls.lastIsCurrent);
    assert.deepEqual(calls.last, { isAuthenticated: false, user: undefined, currentTenant: undefined });
    await context.close();
  });

  it('makes the session a Svelte store: get(store) reads the current snapshot', async () => {
    const { project, context, tabs: [t], loginId } = await fresh();
    assert.equal(await t.signIn(project, loginId), 200);
    const result = await t.page.evaluate(() => {
      // svelte/store's get(), written out: subscribe, read the value passed at once, unsubscribe.
      const get = (store) => {
        let value;
        const unsubscribe = store.subscribe((v) => {
          value = v;
        });
        unsubscribe();
        return value;
      };
      const session = window.session;
      const viaSession = get(session);
      const viaObject = get({ subscribe: (run) => session.subscribe(run) });
      return {
        isCurrent: viaSession === session.getSnapshot(),
        sameBoth: viaSession === viaObject,
        name: viaSession?.user?.name,
      };
    });
    assert.deepEqual(result, { isCurrent: true, sameBoth: true, name: loginId.split('@')[0] });
    await context.close();
  });

  it('works unbound, as React passes it: useSyncExternalStore(session.subscribe, session.getSnapshot)', async () => {
    const { project, context, tabs: [t], loginId } = await fresh();
    const result = await t.page.evaluate(() => {
      const { subscribe, getSnapshot } = window.session;
      const calls = [];
      const unsubscribe = subscribe((s) => calls.push(s));
      window.fwUnbound = { calls, unsubscribe, getSnapshot };
      return {
        atOnce: calls.length,
        current: calls[0] === window.session.getSnapshot() && getSnapshot() === window.session.getSnapshot(),
        // The same functions each time, so that React does not subscribe again on every render.
        stable: window.session.subscribe === subscribe && window.session.getSnapshot === getSnapshot,
      };
    });
    assert.deepEqual(result, { atOnce: 1, current: true, stable: true });
    assert.equal(await t.signIn(project, loginId), 200);
    await sleep(200);
    const after = await t.page.evaluate(() => {
      const { calls, unsubscribe, getSnapshot } = window.fwUnbound;
      unsubscribe();
      return { count: calls.length, isAuthenticated: getSnapshot().isAuthenticated, last: calls.at(-1) === getSnapshot() };
    });
    assert.deepEqual(after, { count: 2, isAuthenticated: true, last: true });
    await context.close();
  });

  it('hears a sign-in and a logout made in another tab', async () => {
    const { project, context, tabs: [one, two], loginId } = await fresh(2);
    await fw(two, 'subscribe', 'b');
    assert.equal(await one.signIn(project, loginId), 200);
    const name = loginId.split('@')[0];
    try {
      await until(async () => {
        const { last } = await fw(two, 'calls', 'b');
        return last?.isAuthenticated === true && last.user === name;
      }, 3000, 'the other tab to see the sign-in and its user');
    } catch (error) {
      const user = await two.page.evaluate(() => window.session.user?.name);
      error.message += `; the other tab's snapshot: ${JSON.stringify((await fw(two, 'calls', 'b')).last)}, its session.user: ${user}`;
      throw error;
    }
    let calls = await fw(two, 'calls', 'b');
    assert.ok(calls.distinct && calls.lastIsCurrent);
    await sleep(300);
    const before = (await fw(two, 'calls', 'b')).count;

    assert.equal((await one.call('logout')).ok, true);
    await until(async () => (await fw(two, 'calls', 'b')).last?.isAuthenticated === false, 3000, 'the other tab to see the logout');
    await sleep(300);
    calls = await fw(two, 'calls', 'b');
    assert.equal(calls.count, before + 1, 'one call for the logout');
    assert.ok(calls.lastIsCurrent);
    await context.close();
  });
});
