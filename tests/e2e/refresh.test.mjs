// The refresh engine in one tab of headless Chromium against the devserver: scheduling from
// nextRefreshSeconds, retries with backoff, Retry-After, a definitive 401, catch-up after the
// tab was frozen, a reload that restores without a network call, and dispose().

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { openTabs, requests, sleep, startWorld, unique, until } from './harness.mjs';

let world;
before(async () => {
  world = await startWorld();
});
after(async () => {
  await world?.stop();
});

/** One tab, signed in to a fresh project with nextRefreshSeconds = 2. */
async function signedIn(config = { nextRefreshSeconds: 2 }, options = {}) {
  const project = unique('P');
  await world.server.control.project(project, config);
  const { context, tabs } = await openTabs(world, 1);
  const [t] = tabs;
  await t.create({ projectId: project, storagePrefix: `${project}.`, ...options });
  assert.equal(await t.signIn(project, `${unique('u')}@example.com`), 200);
  return { project, context, t };
}

describe('refresh engine', () => {
  it('refreshes at the scheduled time and stores the new tokens', async () => {
    const { project, context, t } = await signedIn();
    const first = await t.state();
    assert.ok(Math.abs(first.nextRefreshAt - Date.now() - 2000) < 300, 'due in about 2 s');
    await until(async () => (await requests(world, project, '/v1/auth/refresh')).length >= 1, 4000, 'a refresh');
    const [entry] = await requests(world, project, '/v1/auth/refresh');
    const lateness = entry.at - first.nextRefreshAt;
    assert.ok(lateness >= -5 && lateness < 500, `fired ${lateness} ms after the due time`);
    await until(async () => (await t.state()).sessionToken !== first.sessionToken, 1000, 'new tokens');
    const now = await t.state();
    assert.notEqual(now.refreshToken, first.refreshToken);
    const stored = await t.storage();
    assert.equal(stored[`${project}.DSR`], now.refreshToken);
    assert.ok((await t.cookies()).includes(`DS=${now.sessionToken}`));
    assert.ok(now.nextRefreshAt > first.nextRefreshAt + 1500);
    await context.close();
  });

  it('retries 5xx with backoff and keeps the session', async () => {
    const { project, context, t } = await signedIn();
    await world.server.control.fault({ path: '/v1/auth/refresh', project, status: 500, count: 2 });
    await until(async () => {
      const log = await requests(world, project, '/v1/auth/refresh');
      return log.some((e) => e.status === 200);
    }, 9000, 'a successful refresh after two failures');
    const log = await requests(world, project, '/v1/auth/refresh');
    assert.deepEqual(log.map((e) => e.status), [500, 500, 200]);
    const gap1 = log[1].at - log[0].at;
    const gap2 = log[2].at - log[1].at;
    // About 1 s, then about 2 s (±25 % jitter).
    assert.ok(gap1 >= 700 && gap1 <= 1400, `first retry after ${gap1} ms`);
    assert.ok(gap2 >= 1450 && gap2 <= 2700, `second retry after ${gap2} ms`);
    const state = await t.state();
    assert.equal(state.isAuthenticated, true);
    const events = await t.events();
    assert.equal(events.filter((e) => e.type === 'refreshError').length, 2);
    assert.deepEqual(events.filter((e) => e.type === 'refreshError').map((e) => e.value.status), [500, 500]);
    assert.equal(events.filter((e) => e.type === 'auth' && e.value === false).length, 0);
    await context.close();
  });

  it('waits at least Retry-After after a 429', async () => {
    const { project, context, t } = await signedIn();
    await world.server.control.fault({ path: '/v1/auth/refresh', project, status: 429, retryAfter: 2 });
    await until(async () => (await requests(world, project, '/v1/auth/refresh')).length >= 2, 7000, 'the retry');
    const log = await requests(world, project, '/v1/auth/refresh');
    assert.deepEqual(log.slice(0, 2).map((e) => e.status), [429, 200]);
    const gap = log[1].at - log[0].at;
    assert.ok(gap >= 2000, `retried after ${gap} ms, before Retry-After`);
    assert.ok(gap < 2600, `retried after ${gap} ms`);
    const [error] = (await t.events()).filter((e) => e.type === 'refreshError');
    assert.deepEqual([error.value.code, error.value.retryAfter], ['rate_limited', 2]);
    assert.equal((await t.state()).isAuthenticated, true);
    await context.close();
  });

  it('clears the session once on a 401', async () => {
    const { project, context, t } = await signedIn();
    await world.server.control.fault({ path: '/v1/auth/refresh', project, status: 401 });
    await until(async () => !(await t.state()).isAuthenticated, 4000, 'the session to end');
    await sleep(2500);
    const events = await t.events();
    assert.equal(events.filter((e) => e.type === 'token' && e.value === undefined).length, 1);
    assert.equal(events.filter((e) => e.type === 'auth' && e.value === false).length, 1);
    assert.equal(events.filter((e) => e.type === 'refreshError').length, 1);
    assert.equal((await requests(world, project, '/v1/auth/refresh')).length, 1, 'no retry after 401');
    const stored = Object.keys(await t.storage()).filter((k) => k.startsWith(project));
    assert.deepEqual(stored, []);
    assert.ok(!(await t.cookies()).includes('DS='));
    await context.close();
  });

  it('catches up within 1 s when a paused tab comes back', async () => {
    // The debugger stops the page's JS the way a sleeping laptop or a frozen tab does: the
    // due time passes while no script runs.
    const { project, context, t } = await signedIn({ nextRefreshSeconds: 1 });
    const cdp = await context.newCDPSession(t.page);
    await cdp.send('Debugger.enable');
    await cdp.send('Debugger.pause');
    await sleep(2500);
    const before = (await requests(world, project, '/v1/auth/refresh')).length;
    assert.equal(before, 0, 'a paused tab ran its timer');
    const woke = Date.now();
    await cdp.send('Debugger.resume');
    await until(async () => (await requests(world, project, '/v1/auth/refresh')).length >= 1, 1000, 'the catch-up refresh');
    const [entry] = await requests(world, project, '/v1/auth/refresh');
    assert.ok(entry.at - woke <= 1000, `caught up after ${entry.at - woke} ms`);
    await context.close();
  });

  it('catches up on visibilitychange, focus, online and pageshow', async () => {
    for (const signal of ['visibilitychange', 'focus', 'online', 'pageshow']) {
      // autoRefresh with a due time far away, then the page is told the due time has passed:
      // a wake-up signal must run the refresh at once.
      const { project, context, t } = await signedIn({ nextRefreshSeconds: 3600 });
      await t.page.evaluate(() => {
        // Pretend the machine slept for two hours: the wall clock jumps, timers do not.
        const offset = 2 * 3600 * 1000;
        const realNow = Date.now;
        Date.now = () => realNow() + offset;
      });
      const target = signal === 'visibilitychange' ? 'document' : 'window';
      const woke = Date.now();
      await t.page.evaluate(([s, tg]) => (tg === 'document' ? document : window).dispatchEvent(new Event(s)), [signal, target]);
      await until(async () => (await requests(world, project, '/v1/auth/refresh')).length >= 1, 1000, `a refresh on ${signal}`);
      const [entry] = await requests(world, project, '/v1/auth/refresh');
      assert.ok(entry.at - woke <= 1000, `${signal}: ${entry.at - woke} ms`);
      await context.close();
    }
  });

  it('restores after a reload without any network call', async () => {
    const { project, context, t } = await signedIn({ nextRefreshSeconds: 3600 });
    const state = await t.state();
    const before = (await world.server.control.log({ project })).length;
    await t.page.reload();
    await t.page.waitForFunction(() => window.harnessReady === true);
    await t.create({ projectId: project, storagePrefix: `${project}.` });
    await t.page.evaluate(() => window.session.ready());
    const after = await t.state();
    assert.equal(after.isAuthenticated, true);
    assert.equal(after.sessionToken, state.sessionToken);
    assert.equal(after.refreshToken, state.refreshToken);
    assert.equal(after.nextRefreshAt, state.nextRefreshAt);
    await sleep(300);
    assert.equal((await world.server.control.log({ project })).length, before);
    await context.close();
  });

  it('refreshes at once after a reload when the refresh is overdue', async () => {
    const { project, context, t } = await signedIn({ nextRefreshSeconds: 1 });
    await t.page.evaluate(() => window.session.dispose());
    await sleep(1500);
    assert.equal((await requests(world, project, '/v1/auth/refresh')).length, 0);
    await t.page.reload();
    await t.page.waitForFunction(() => window.harnessReady === true);
    await t.create({ projectId: project, storagePrefix: `${project}.` });
    await t.page.evaluate(() => window.session.ready());
    assert.equal((await requests(world, project, '/v1/auth/refresh')).length, 1);
    assert.equal((await t.state()).isAuthenticated, true);
    await context.close();
  });

  it('dispose() stops everything', async () => {
    const { project, context, t } = await signedIn({ nextRefreshSeconds: 1 });
    await t.page.evaluate(() => window.session.dispose());
    await sleep(2500);
    await t.page.evaluate(() => {
      for (const s of ['visibilitychange', 'focus', 'online', 'pageshow']) window.dispatchEvent(new Event(s));
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await sleep(300);
    assert.equal((await requests(world, project, '/v1/auth/refresh')).length, 0);
    assert.ok((await t.storage())[`${project}.DSR`], 'storage untouched');
    await context.close();
  });
});
