// The demo's Rocket.Chat panel: log in, list sessions, log another device out through the
// two-factor prompt (TOTP with a wrong code first, then email), and the refusals.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { events, openDemo, screenshots, startDemo } from './support.mjs';

let demo;
let context;
let page;

before(async () => {
  demo = await startDemo();
  context = await demo.browser.newContext();
  page = await openDemo(context, demo.server.url, 'P-demo-rc');
});

after(async () => {
  await context?.close();
  await demo?.stop();
});

const rows = () =>
  page.$$eval('#rc-sessions tbody tr[data-session-id]', (trs) =>
    trs.map((tr) => ({ id: tr.dataset.sessionId, text: tr.innerText })),
  );

async function login(user) {
  await page.selectOption('#rc-user', user);
  await page.click('#rc-login');
  await page.waitForSelector('body[data-rc="on"]');
  await page.waitForFunction((u) => document.querySelector('#rc-status').textContent.includes(`as ${u}`), user);
}

/** Clicks "Log out" on the row of the session that is not this page's, waits for the prompt. */
async function logOutOtherDevice() {
  const other = (await rows()).find((r) => !r.text.includes('(this page)'));
  assert.ok(other, 'another session is listed');
  await page.click(`#rc-sessions tr[data-session-id="${other.id}"] .rc-end`);
  await page.waitForSelector('#twofa:not([hidden])');
  return other.id;
}

describe('demo page: Rocket.Chat', () => {
  it('logs in as rc-admin and lists every session', async () => {
    await login('rc-admin');
    assert.match(await page.textContent('#rc-status'), /userId RCadmin, authToken \S+…\S+ \(\d+ chars\)/);
    await page.click('#rc-other');
    await page.waitForFunction(() => document.querySelectorAll('#rc-sessions tr[data-session-id]').length === 2);
    const listed = await rows();
    assert.equal(listed.filter((r) => r.text.includes('(this page)')).length, 1);
    assert.ok(listed.every((r) => r.text.includes('rc-admin')));
  });

  it('asks for the TOTP code, refuses a wrong one, and logs the device out with the right one', async () => {
    const id = await logOutOtherDevice();
    assert.match(await page.textContent('#twofa-text'), /needs a totp code/);
    assert.equal(await page.inputValue('#twofa-method'), 'totp');
    const methods = await page.$$eval('#twofa-method option', (o) => o.map((x) => x.value));
    assert.deepEqual(methods.sort(), ['email', 'totp']);
    assert.equal(await page.getAttribute('#twofa-helper', 'href'), `${demo.server.url}/__control/2fa/rc-admin`);
    await screenshots(page, 'demo-rocketchat-2fa');

    await page.fill('#twofa-code', '000000');
    await page.click('#twofa-submit');
    await page.waitForFunction(() => /refused/.test(document.querySelector('#twofa-text').textContent));

    const { totp } = await demo.server.control.twoFactor('rc-admin');
    await page.fill('#twofa-code', totp);
    await page.click('#twofa-submit');
    await page.waitForSelector('#twofa', { state: 'hidden' });
    await page.waitForFunction((sid) => !document.querySelector(`#rc-sessions tr[data-session-id="${sid}"]`), id);
    assert.ok((await events(page, 'rc')).some((e) => e === `session ${id} logged out`));
    assert.ok((await events(page, 'twofa')).some((e) => /challenge: totp/.test(e)));
  });

  it('uses the email code for rc-email', async () => {
    await page.click('#rc-logout');
    await page.waitForSelector('body[data-rc="off"]');
    await login('rc-email');
    await page.click('#rc-other');
    await page.waitForFunction(() =>
      [...document.querySelectorAll('#rc-sessions tr[data-session-id]')].filter((r) => r.innerText.includes('rc-email')).length === 2);
    const id = await logOutOtherDevice();
    assert.match(await page.textContent('#twofa-text'), /email.*A code has just been sent by email/);
    const { email } = await demo.server.control.twoFactor('rc-email');
    assert.match(email, /^\d{6}$/);
    await page.fill('#twofa-code', email);
    await page.click('#twofa-submit');
    await page.waitForSelector('#twofa', { state: 'hidden' });
    await page.waitForFunction((sid) => !document.querySelector(`#rc-sessions tr[data-session-id="${sid}"]`), id);
  });

  it('shows the refusal for a user without device management', async () => {
    await page.click('#rc-logout');
    await login('rc-user');
    await page.waitForFunction(() => /403/.test(document.querySelector('#rc-sessions tbody').textContent));
    await page.uncheck('#rc-all');
    await page.waitForFunction(() => document.querySelectorAll('#rc-sessions tr[data-session-id]').length >= 1);
    await page.click('#rc-logout');
    await page.waitForSelector('body[data-rc="off"]');
    assert.deepEqual(page.problems, []);
  });
});
