// The demo page in two tabs of one browser profile: one refresh request per cycle for both
// tabs, the same tokens in both, and a logout in one tab reaching the other within a second.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { events, openDemo, screenshots, startDemo, waitForEvents } from './support.mjs';

const PROJECT = 'P-demo-tabs';
const CYCLE_S = 2;

let demo;
let context;
let first;
let second;

before(async () => {
  demo = await startDemo();
  await demo.server.control.project(PROJECT, { sessionTtl: 30, nextRefreshSeconds: CYCLE_S });
  context = await demo.browser.newContext();
  first = await openDemo(context, demo.server.url, PROJECT);
});

after(async () => {
  await context?.close();
  await demo?.stop();
});

const refreshLog = () => demo.server.control.log({ project: PROJECT, path: '/v1/auth/refresh' });

describe('demo page: two tabs', () => {
  it('a sign-in in one tab is the session of the other', async () => {
    await first.click('#signin');
    await first.waitForSelector('body[data-session="on"]');
    second = await openDemo(context, demo.server.url, PROJECT);
    await second.waitForSelector('body[data-session="on"]', { timeout: 5000 });
    assert.equal(await second.textContent('#s-user'), await first.textContent('#s-user'));
  });

  it('sends one refresh request per cycle for both tabs, and both tabs see every refresh', async () => {
    const start = (await refreshLog()).length;
    await Promise.all([
      waitForEvents(first, 'refresh', 3, 20_000),
      waitForEvents(second, 'refresh', 3, 20_000),
    ]);
    const sent = (await refreshLog()).slice(start);
    const refreshesSeen = Math.max(
      (await events(first, 'refresh')).length,
      (await events(second, 'refresh')).length,
    );
    // Every request rotated the tokens once for both tabs: none was sent twice for one cycle.
    assert.ok(sent.length >= 3, `${sent.length} refresh requests`);
    assert.ok(sent.length <= refreshesSeen + 1, `${sent.length} requests for ${refreshesSeen} refreshes`);
    assert.ok(sent.every((entry) => entry.status === 200), JSON.stringify(sent.map((e) => e.status)));
    const jtis = sent.map((entry) => entry.tokenJti);
    assert.equal(new Set(jtis).size, jtis.length, 'no refresh token was presented twice');

    // Both tabs hold the same session token in the end.
    await first.waitForFunction(
      (token) => document.querySelector('#s-token').textContent === token,
      await second.textContent('#s-token'),
      { timeout: 5000 },
    ).catch(async () => {
      // a refresh may have landed between the two reads: compare once more
      assert.equal(await first.textContent('#s-token'), await second.textContent('#s-token'));
    });

    // Each tab lists only the requests it sent itself, and together they are all of them.
    const own = async (page) =>
      (await events(page, 'net')).filter((e) => e.includes('POST /v1/auth/refresh')).length;
    assert.ok((await own(first)) + (await own(second)) >= 3);
    await screenshots(first, 'demo-tab-1');
    await screenshots(second, 'demo-tab-2');
  });

  it('a tenant selected in one tab is the tenant of the other', async () => {
    await first.selectOption('#tenant', 'T-acme');
    await first.click('#do-tenant');
    await first.waitForFunction(() => document.querySelector('#s-tenant').textContent === 'T-acme');
    await second.waitForFunction(() => document.querySelector('#s-tenant').textContent === 'T-acme', null, {
      timeout: 3000,
    });
    assert.match(await second.textContent('#s-roles'), /in T-acme: admin/);
  });

  it('a logout in one tab signs the other out within a second', async () => {
    const clicked = Date.now();
    await first.click('#do-logout');
    await second.waitForSelector('body[data-session="off"]', { timeout: 1500 });
    const elapsed = Date.now() - clicked;
    assert.ok(elapsed < 1500, `${elapsed} ms`);
    await first.waitForSelector('body[data-session="off"]');
    assert.ok((await events(first, 'logout')).includes('signed out in this tab'));
    const [notice] = await events(second, 'tab');
    assert.equal(notice, 'signed out in another tab');
    const log = await demo.server.control.log({ project: PROJECT, path: '/v1/auth/logout' });
    assert.equal(log.length, 1, 'one logout request, from the tab that logged out');
    assert.deepEqual([...first.problems, ...second.problems], []);
    await screenshots(second, 'demo-tab-2-logged-out');
  });
});
