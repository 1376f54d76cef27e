// Several tabs of one browser profile against the devserver, which rotates refresh tokens and
// revokes the whole family on reuse: one refresh per cycle whatever the number of tabs, the
// same tokens everywhere, logout reaching every tab, and no refresh resurrecting a session
// after a logout. REPEAT=<n> runs the multi-tab and logout-race tests n times.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { openTabs, requests, sleep, startWorld, unique, until } from './harness.mjs';

const REPEAT = Number(process.env.REPEAT || 1);

let world;
before(async () => {
  world = await startWorld();
});
after(async () => {
  await world?.stop();
});

/** `count` tabs of one profile on a fresh project, the first one signed in. */
async function tabsSignedIn(count, config = { nextRefreshSeconds: 2 }, options = {}) {
  const project = unique('P');
  await world.server.control.project(project, config);
  const { context, tabs } = await openTabs(world, count);
  for (const t of tabs) await t.create({ projectId: project, storagePrefix: `${project}.`, ...options });
  assert.equal(await tabs[0].signIn(project, `${unique('u')}@example.com`), 200);
  // Every other tab hears of the sign-in.
  const token = (await tabs[0].state()).sessionToken;
  await until(async () => {
    for (const t of tabs) if ((await t.state()).sessionToken !== token) return false;
    return true;
  }, 2000, 'every tab to have the session');
  return { project, context, tabs };
}

async function allStates(tabs) {
  return Promise.all(tabs.map((t) => t.state()));
}

async function assertOneRefreshPerCycle(tabCount, cycles) {
  const { project, context, tabs } = await tabsSignedIn(tabCount);
  await until(async () => (await requests(world, project, '/v1/auth/refresh')).length >= cycles, cycles * 2000 + 3000, `${cycles} cycles`);
  // Let the last cycle settle in every tab, but stop before the next one.
  await sleep(600);
  const log = await requests(world, project, '/v1/auth/refresh');
  assert.equal(log.length, cycles, `${log.length} refresh requests for ${cycles} cycles with ${tabCount} tabs`);
  assert.ok(log.every((e) => e.status === 200), `statuses ${log.map((e) => e.status)}`);
  // No token was ever presented twice (reuse detection never had a reason to fire).
  assert.equal(new Set(log.map((e) => e.tokenJti)).size, log.length);
  const states = await allStates(tabs);
  assert.equal(new Set(states.map((s) => s.refreshToken)).size, 1, 'tabs disagree on the refresh token');
  assert.equal(new Set(states.map((s) => s.sessionToken)).size, 1, 'tabs disagree on the session token');
  assert.ok(states.every((s) => s.isAuthenticated));
  // The final token is the one the server issued last, and it works.
  const check = await tabs[tabCount - 1].call('me');
  assert.equal(check.ok, true, JSON.stringify(check));
  await context.close();
}

describe('cross-tab', () => {
  for (let round = 1; round <= REPEAT; round++) {
    it(`5 tabs over 3 cycles send exactly 3 refreshes (round ${round})`, async () => {
      await assertOneRefreshPerCycle(5, 3);
    });

    it(`logout in one tab signs every tab out within 1 s (round ${round})`, async () => {
      const { project, context, tabs } = await tabsSignedIn(5, { nextRefreshSeconds: 3600 });
      const started = Date.now();
      const result = await tabs[2].call('logout');
      assert.equal(result.ok, true, JSON.stringify(result));
      await until(async () => (await allStates(tabs)).every((s) => !s.isAuthenticated && !s.sessionToken && !s.refreshToken), 1000, 'every tab signed out');
      const took = Date.now() - started;
      assert.ok(took <= 1000, `took ${took} ms`);
      for (const t of tabs) {
        const events = await t.events();
        assert.equal(events.filter((e) => e.type === 'auth' && e.value === false).length, 1);
        assert.equal(events.filter((e) => e.type === 'token' && e.value === undefined).length, 1);
      }
      assert.deepEqual(Object.keys(await tabs[0].storage()).filter((k) => k.startsWith(project)), []);
      assert.equal((await requests(world, project, '/v1/auth/logout')).length, 1);
      await context.close();
    });

    it(`a slow refresh overtaken by logout resurrects nothing (round ${round})`, async () => {
      const { project, context, tabs } = await tabsSignedIn(3, { nextRefreshSeconds: 3600 });
      const refreshToken = (await tabs[0].state()).refreshToken;
      await world.server.control.fault({ path: '/v1/auth/refresh', project, delayMs: 1500 });
      const slow = tabs[0].call('refresh');
      await sleep(300);
      const logout = await tabs[1].call('logout');
      assert.equal(logout.ok, true, JSON.stringify(logout));
      const refresh = await slow;
      assert.equal(refresh.ok, false, 'the overtaken refresh must not succeed');
      await sleep(700);
      for (const t of tabs) {
        const s = await t.state();
        assert.deepEqual([s.isAuthenticated, s.sessionToken, s.refreshToken], [false, undefined, undefined]);
      }
      assert.deepEqual(Object.keys(await tabs[2].storage()).filter((k) => k.startsWith(project)), []);
      assert.ok(!(await tabs[2].cookies()).includes('DS='));
      // Nothing that was issued is still usable on the server.
      const response = await fetch(`${world.server.url}/v1/auth/refresh`, {
        method: 'POST',
        headers: { authorization: `Bearer ${project}:${refreshToken}` },
      });
      assert.equal(response.status, 401);
      await context.close();
    });
  }

  it('1 and 10 tabs: one refresh per cycle', async () => {
    await assertOneRefreshPerCycle(1, 2);
    await assertOneRefreshPerCycle(10, 2);
  });

  it('a 401 on refresh first adopts what another tab rotated', async () => {
    const { project, context, tabs } = await tabsSignedIn(2, { nextRefreshSeconds: 3600 });
    const signedIn = await tabs[0].state();
    // Tab 1 hears nothing from tab 0 (a manager without crossTab: no channel, no lock) and
    // never refreshes by itself; it shares tab 0's localStorage.
    await tabs[1].page.evaluate(() => window.session.dispose());
    await tabs[1].create({ projectId: project, storagePrefix: `${project}.`, crossTab: false, autoRefresh: false });
    assert.equal((await tabs[1].state()).refreshToken, signedIn.refreshToken);
    // Tab 1 presents the token first; its answer, a 401, is held back until after tab 0 has
    // rotated that same token and stored the new ones.
    await world.server.control.fault({ path: '/v1/auth/refresh', project, count: 1, delayMs: 800, status: 401 });
    const refused = tabs[1].call('refresh');
    await sleep(100);
    const rotated = await tabs[0].call('refresh');
    assert.equal(rotated.ok, true, JSON.stringify(rotated));
    const [rotatedState] = await allStates(tabs);
    assert.notEqual(rotatedState.refreshToken, signedIn.refreshToken);
    assert.equal((await tabs[0].storage())[`${project}.DSR`], rotatedState.refreshToken, 'the rotation is in localStorage');
    // The 401 has not arrived yet.
    assert.equal((await requests(world, project, '/v1/auth/refresh')).length, 1);

    const result = await refused;
    assert.equal(result.ok, true, `tab 1's refresh after the 401: ${JSON.stringify(result)}`);
    assert.equal(result.value.sessionJwt, rotatedState.sessionToken, 'resolved with the adopted session token');
    const [a, b] = await allStates(tabs);
    assert.deepEqual(
      [b.isAuthenticated, b.sessionToken, b.refreshToken],
      [true, a.sessionToken, a.refreshToken],
      'tab 1 holds what tab 0 rotated',
    );
    assert.equal(a.refreshToken, rotatedState.refreshToken, 'tab 0 kept its rotation');
    assert.equal(a.isAuthenticated, true);
    const log = await requests(world, project, '/v1/auth/refresh');
    assert.deepEqual(log.map((e) => e.status), [401, 200], 'the injected 401 (tab 1), then the rotation (tab 0)');
    assert.equal(log[0].tokenJti, log[1].tokenJti, 'both presented the signed-in refresh token');
    assert.ok(log[1].at - log[0].at >= 50, 'tab 1 was first');
    // Neither tab dropped the session, and what tab 1 adopted works.
    for (const t of tabs) {
      const events = await t.events();
      assert.equal(events.filter((e) => e.type === 'auth' && e.value === false).length, 0);
    }
    assert.deepEqual(await tabs[1].storage(), await tabs[0].storage());
    const check = await tabs[1].call('me');
    assert.equal(check.ok, true, JSON.stringify(check));
    await context.close();
  });

  it('a sign-in after a logout reaches every tab, also tabs opened later', async () => {
    const { project, context, tabs } = await tabsSignedIn(2, { nextRefreshSeconds: 3600 });
    assert.equal((await tabs[1].call('logout')).ok, true);
    await until(async () => !(await tabs[0].state()).isAuthenticated, 1000, 'the logout to arrive');
    // A tab opened now has never seen a session; it signs in, and the old tabs follow.
    const { tabs: [late] } = await openTabs(world, 1, { context });
    await late.create({ projectId: project, storagePrefix: `${project}.` });
    assert.equal(await late.signIn(project, `${unique('u')}@example.com`), 200);
    const token = (await late.state()).sessionToken;
    await until(async () => {
      for (const t of tabs) if ((await t.state()).sessionToken !== token) return false;
      return true;
    }, 1000, 'every tab to take the new sign-in');
    // And a second logout/sign-in round, started from the other side.
    assert.equal((await tabs[0].call('logout')).ok, true);
    await until(async () => !(await late.state()).isAuthenticated, 1000, 'the second logout to arrive');
    assert.equal(await tabs[1].signIn(project, `${unique('u')}@example.com`), 200);
    const second = (await tabs[1].state()).sessionToken;
    await until(async () => (await late.state()).sessionToken === second && (await tabs[0].state()).sessionToken === second, 1000, 'the second sign-in to arrive');
    await context.close();
  });

  it('a lock that is never released does not hang the refresh', async () => {
    const { project, context, tabs } = await tabsSignedIn(2, { nextRefreshSeconds: 3600 }, { requestTimeoutMs: 1000 });
    const { refreshToken } = await tabs[0].state();
    // Tab 1's page takes the lock that guards the current refresh token and never lets go
    // (FNV-1a 64 of the token, as the library names it).
    await tabs[1].page.evaluate(([p, token]) => {
      let hash = 0xcbf29ce484222325n;
      for (const byte of new TextEncoder().encode(token)) {
        hash ^= BigInt(byte);
        hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
      }
      const name = `session-keeper:${p}:${p}.:${hash.toString(16).padStart(16, '0')}`;
      navigator.locks.request(name, () => new Promise(() => {}));
      return name;
    }, [project, refreshToken]);
    await sleep(100);
    const started = Date.now();
    const result = await tabs[0].call('refresh');
    const took = Date.now() - started;
    assert.equal(result.ok, true, JSON.stringify(result));
    // Two bounded waits of requestTimeoutMs + 1 to 1.5 s each, then the request itself.
    assert.ok(took >= 1500 && took < 6500, `refresh took ${took} ms`);
    assert.equal((await requests(world, project, '/v1/auth/refresh')).length, 1);
    await context.close();
  });

  it('works without BroadcastChannel through storage events', async () => {
    const project = unique('P');
    await world.server.control.project(project, { nextRefreshSeconds: 3600 });
    const context = await world.browser.newContext();
    await context.addInitScript(() => {
      delete window.BroadcastChannel;
    });
    const { tabs } = await openTabs(world, 2, { context });
    for (const t of tabs) await t.create({ projectId: project, storagePrefix: `${project}.` });
    await tabs[0].signIn(project, `${unique('u')}@example.com`);
    await until(async () => (await tabs[1].state()).isAuthenticated, 2000, 'the second tab to sign in');
    await tabs[0].call('refresh');
    await until(async () => (await tabs[1].state()).refreshToken === (await tabs[0].state()).refreshToken, 2000, 'the rotation to arrive');
    await tabs[0].call('logout');
    await until(async () => !(await tabs[1].state()).isAuthenticated, 1000, 'the logout to arrive');
    await context.close();
  });
});
