// The packed package inside a Vite-built app (tests/vite-app/dist, built by
// scripts/check-package.sh from the npm pack tarball), served by the devserver and driven in
// headless Chromium: the wasm asset Vite emitted loads, a sign-in is kept and refreshed, and a
// logout clears it.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { openPage, startDevserverAndBrowser } from '../support/world.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dist = path.join(root, 'tests', 'vite-app', 'dist');
const PROJECT = 'P-vite-app';

let world;
let context;
let page;
let errors;
const requests = [];

before(async () => {
  assert.ok(
    existsSync(path.join(dist, 'index.html')),
    'tests/vite-app/dist is missing: scripts/check-package.sh builds it from the packed package',
  );
  world = await startDevserverAndBrowser({ args: ['--www', dist] });
  await world.server.control.project(PROJECT, { sessionTtl: 20, nextRefreshSeconds: 1 });
  ({ context, page, errors } = await openPage(world.browser));
  page.on('request', (request) => requests.push(new URL(request.url()).pathname));
  await page.goto(`${world.server.url}/?project=${PROJECT}`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
});

after(() => world?.stop());

describe('the package in a Vite-built app', () => {
  it('loads the wasm asset that Vite emitted', async () => {
    const [asset] = readdirSync(path.join(dist, 'assets')).filter((f) => f.endsWith('.wasm'));
    assert.ok(asset, 'a hashed .wasm asset');
    assert.ok(requests.includes(`/assets/${asset}`), `requested: ${requests.join(', ')}`);
    assert.equal(await page.textContent('#status'), 'signed out');
    assert.deepEqual(errors, []);
  });

  it('signs in and sees the session refreshed', async () => {
    await page.click('#signin-button');
    await page.waitForFunction(() => /signed in as Demo User/.test(document.querySelector('#status').textContent));
    await page.waitForFunction(() => Number(document.querySelector('#refreshes').textContent) >= 2, null, {
      timeout: 10_000,
    });
    const log = await world.server.control.log({ project: PROJECT, path: '/v1/auth/refresh' });
    assert.ok(log.length >= 2 && log.every((entry) => entry.status === 200));
    const stored = await page.evaluate(() => localStorage.getItem('DSR'));
    assert.ok(stored, 'the refresh token is stored under DSR');
  });

  it('logs out and clears the stored session', async () => {
    await page.click('#logout');
    await page.waitForFunction(() => document.querySelector('#status').textContent === 'signed out');
    assert.equal(await page.evaluate(() => localStorage.getItem('DSR')), null);
    assert.equal((await context.cookies(world.server.url)).find((c) => c.name === 'DS'), undefined);
    const [logout] = await world.server.control.log({ project: PROJECT, path: '/v1/auth/logout' });
    assert.equal(logout?.status, 200);
    assert.match(await page.textContent('#log'), /signed out/);
    assert.deepEqual(errors, []);
  });
});
