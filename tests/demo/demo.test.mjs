// The demo page (www/) in headless Chromium: a visitor signs in, watches a refresh, selects a
// tenant, tries the calls and the fault injection, and logs out everywhere.
//
//   scripts/build-pkg.sh && cargo build -p devserver && node --test tests/demo/

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { events, openDemo, screenshots, startDemo, visibleText, waitForEvents } from './support.mjs';

const PROJECT = 'P-demo-flow';

let demo;
let context;
let page;

before(async () => {
  demo = await startDemo();
  // Short lifetimes, so that refreshes come every 2 seconds.
  await demo.server.control.project(PROJECT, { sessionTtl: 30, nextRefreshSeconds: 2 });
  context = await demo.browser.newContext();
  page = await openDemo(context, demo.server.url, PROJECT);
});

after(async () => {
  await context?.close();
  await demo?.stop();
});

const text = (selector) => page.textContent(selector);
const storage = () => page.evaluate(() => ({ ...localStorage }));
const sessionCookie = async () => (await context.cookies(demo.server.url)).find((c) => c.name === 'DS');

describe('demo page: one visitor', () => {
  it('starts signed out with the demo user prefilled', async () => {
    assert.equal(await page.getAttribute('body', 'data-session'), 'off');
    assert.equal(await text('#status-pill'), 'signed out');
    assert.equal(await page.inputValue('#login-id'), 'demo@example.com');
    assert.equal(await page.inputValue('#password'), 'demo1234');
    assert.equal(await page.isDisabled('#do-refresh'), true);
    await screenshots(page, 'demo-signed-out');
  });

  let signedInToken;

  it('signs in: the session panel shows the user, excerpts of the tokens and the schedule', async () => {
    const answer = page.waitForResponse((r) => new URL(r.url()).pathname === '/v1/auth/password/signin');
    await page.click('#signin');
    signedInToken = (await (await answer).json()).sessionJwt;
    await page.waitForSelector('body[data-session="on"]');
    assert.equal(await text('#status-pill'), 'signed in');
    assert.match(await text('#s-user'), /Demo User <demo@example\.com>/);
    assert.match(await text('#s-token'), /^eyJ\S*…\S+$/);
    assert.match(await text('#s-token-len'), /^\d+ chars$/);
    assert.match(await text('#s-refresh'), /…/);
    assert.match(await text('#s-expires'), /in \d+ s/);
    assert.match(await text('#s-next'), /in \d+ s|now/);
    assert.equal(await page.isVisible('#signin-card'), false);
    await waitForEvents(page, 'signin');
  });

  it('shows a refresh in the timeline', async () => {
    await waitForEvents(page, 'refresh', 1, 10_000);
    const [latest] = await events(page, 'refresh');
    assert.match(latest, /session token refreshed → eyJ\S*…/);
    assert.notEqual((await sessionCookie()).value, signedInToken);
    // The refresh request this tab sent is listed too.
    assert.ok((await events(page, 'net')).some((e) => e.includes('POST /v1/auth/refresh')));
  });

  it('never shows a whole token', async () => {
    await page.click('#claims-box summary');
    await page.click('#do-refresh');
    await page.waitForFunction(() => document.querySelector('#result-what').textContent === 'refresh()');
    const shown = await visibleText(page);
    const { DSR } = await storage();
    const { value: DS } = await sessionCookie();
    assert.ok(DS && DSR, 'the session is stored');
    assert.ok(!shown.includes(DS), 'the session token is not on the page');
    assert.ok(!shown.includes(DSR), 'the refresh token is not on the page');
    assert.match(await text('#s-claims'), /"sub": "U-demo"/);
    assert.match(await text('#result'), /"sessionJwt": "eyJ\S*…/);
  });

  it('selects a tenant', async () => {
    await page.selectOption('#tenant', 'T-globex');
    await page.click('#do-tenant');
    await page.waitForFunction(() => document.querySelector('#s-tenant').textContent === 'T-globex');
    assert.match(await text('#s-roles'), /in T-globex: viewer/);
    assert.ok((await events(page, 'info')).some((e) => e === 'tenant selected: T-globex'));
    assert.match(await text('#s-claims'), /"dct": "T-globex"/);
  });

  it('calls me(), history(), validate() and verifies the security questions', async () => {
    const call = async (button, what) => {
      await page.click(button);
      await page.waitForFunction((w) => document.querySelector('#result-what').textContent === w, what);
      return text('#result');
    };
    assert.match(await call('#do-me', 'me()'), /"userId": "U-demo"/);
    assert.match(await call('#do-history', 'history()'), /"loginTime": \d+/);
    assert.match(await call('#do-validate', 'validate()'), /"parsedJWT"/);
    await call('#do-questions', 'verifySecurityQuestions()');
    await page.waitForFunction(() => /"su": true/.test(document.querySelector('#s-claims').textContent));
    assert.ok((await events(page, 'info')).some((e) => e.includes('step-up')));
  });

  it('shows failed refreshes and their retries, and keeps the session', async () => {
    const refreshesBefore = (await events(page, 'refresh')).length;
    await page.selectOption('#fault-kind', '500');
    await page.fill('#fault-count', '2');
    await page.click('#fault-add');
    await page.waitForFunction(() => /Queued: the next 2 refresh requests/.test(document.querySelector('#fault-status').textContent));
    await waitForEvents(page, 'error', 2, 20_000);
    await waitForEvents(page, 'retry', 2, 5_000);
    const errors = await events(page, 'error');
    assert.match(errors[0], /refresh attempt 2 failed: http · 500 · E999999/);
    await page.waitForFunction(
      (n) => document.querySelectorAll('#timeline .ev-refresh').length > n,
      refreshesBefore,
      { timeout: 20_000 },
    );
    const [latest] = await events(page, 'refresh');
    assert.match(latest, /after 2 failed attempts/);
    assert.equal(await page.getAttribute('body', 'data-session'), 'on');

    // A slow answer, and a 429 with Retry-After, through the same panel.
    await page.selectOption('#fault-kind', '429');
    await page.fill('#fault-count', '1');
    await page.click('#fault-add');
    await page.waitForFunction(() => [...document.querySelectorAll('#timeline .ev-error .ev-text')]
      .some((e) => /rate_limited · 429/.test(e.textContent)), null, { timeout: 20_000 });
    await page.waitForSelector('body[data-session="on"]');
    await screenshots(page, 'demo-signed-in');
  });

  it('logs out everywhere: storage and cookies cleared, the server told', async () => {
    await page.click('#do-logout-all');
    await page.waitForSelector('body[data-session="off"]');
    assert.equal(await text('#status-pill'), 'signed out');
    assert.ok((await events(page, 'logout')).includes('signed out in this tab'));
    const stored = await storage();
    for (const key of ['DS', 'DSR', 'DSU', 'DSM']) assert.equal(stored[key], undefined, key);
    assert.equal(await sessionCookie(), undefined);
    const log = await demo.server.control.log({ project: PROJECT, path: '/v1/auth/logoutall' });
    assert.equal(log.at(-1)?.status, 200);
    assert.equal(await page.isVisible('#signin-card'), true);
    assert.deepEqual(page.problems, []);
    await screenshots(page, 'demo-logged-out');
  });
});
