// `createSession(options)` (API.md §1) in Chromium: one awaited call that initialises the module
// once, however many calls and however they interleave, tries again after a failed
// initialisation, and needs no `this`.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { startWorld, unique } from './harness.mjs';

let world;
before(async () => {
  world = await startWorld();
});
after(async () => {
  await world?.stop();
});

/** A page that has not loaded the package, and the wasm requests it makes from now on. */
async function plainPage() {
  const context = await world.browser.newContext();
  const page = await context.newPage();
  const wasm = [];
  page.on('request', (r) => r.url().endsWith('/session_keeper_bg.wasm') && wasm.push(r.url()));
  await page.goto(`${world.server.url}/plain.html`);
  return { context, page, wasm };
}

describe('createSession', () => {
  it('initialises once for concurrent unbound calls and answers working managers', async () => {
    const { context, page, wasm } = await plainPage();
    const project = unique('P');
    const result = await page.evaluate(async (projectId) => {
      const { createSession, SessionManager } = await import('/pkg/session_keeper.js');
      const create = createSession; // no `this`
      const options = (prefix) => ({ projectId, baseUrl: location.origin, storagePrefix: prefix });
      const [a, b] = await Promise.all([create(options('a.')), create(options('b.'))]);
      const c = await create(options('c.'));
      const managers = [a, b, c];
      return {
        all: managers.every((m) => m instanceof SessionManager),
        distinct: new Set(managers).size,
        authenticated: managers.map((m) => m.isAuthenticated),
        ready: await a.ready().then(() => true),
      };
    }, project);
    assert.deepEqual(result, { all: true, distinct: 3, authenticated: [false, false, false], ready: true });
    assert.equal(wasm.length, 1, `one wasm download: ${JSON.stringify(wasm)}`);
    await context.close();
  });

  it('shares an init() the app already made, and refuses bad options with a SessionError', async () => {
    const { context, page, wasm } = await plainPage();
    const result = await page.evaluate(async () => {
      const { default: init, createSession } = await import('/pkg/session_keeper.js');
      await init();
      const bad = await createSession({}).then(
        () => null,
        (e) => ({ name: e.name, code: e.code }),
      );
      const good = await createSession({ projectId: 'P1', persist: 'memory', baseUrl: location.origin });
      return { bad, good: typeof good.refresh };
    });
    assert.deepEqual(result, { bad: { name: 'SessionError', code: 'invalid_argument' }, good: 'function' });
    assert.equal(wasm.length, 1);
    await context.close();
  });

  it('tries the initialisation again after one failed', async () => {
    const { context, page, wasm } = await plainPage();
    let refused = 0;
    await page.route('**/session_keeper_bg.wasm', (route) => {
      if (refused++ === 0) return route.abort('connectionreset');
      return route.continue();
    });
    const result = await page.evaluate(async () => {
      const { createSession } = await import('/pkg/session_keeper.js');
      const options = { projectId: 'P1', persist: 'memory', baseUrl: location.origin };
      const first = await createSession(options).then(
        () => 'created',
        (e) => `failed: ${e instanceof Error}`,
      );
      const second = await createSession(options);
      return { first, second: second.isAuthenticated };
    });
    assert.deepEqual(result, { first: 'failed: true', second: false });
    assert.equal(wasm.length, 2, 'the failed download, then one that worked');
    await context.close();
  });
});

describe('loading the module', () => {
  /** The page's console warnings from now on. */
  const warnings = (page) => {
    const out = [];
    page.on('console', (m) => m.type() === 'warning' && out.push(m.text()));
    return out;
  };

  it('works when the server serves the wasm with another type, and says why it is slower', async () => {
    const { context, page, wasm } = await plainPage();
    const warned = warnings(page);
    await page.route('**/session_keeper_bg.wasm', async (route) => {
      const response = await route.fetch();
      await route.fulfill({ response, headers: { ...response.headers(), 'content-type': 'application/octet-stream' } });
    });
    const result = await page.evaluate(async () => {
      const { createSession } = await import('/pkg/session_keeper.js');
      const session = await createSession({ projectId: 'P1', persist: 'memory', baseUrl: location.origin });
      return typeof session.refresh;
    });
    assert.equal(result, 'function');
    assert.equal(wasm.length, 1);
    assert.equal(warned.length, 1, JSON.stringify(warned));
    assert.match(warned[0], /^session-keeper: the wasm is not served as application\/wasm, so it compiles slower:/);
    await context.close();
  });

  it('still takes the forms of init and initSync from before their options objects, with a warning', async () => {
    const { context, page } = await plainPage();
    const warned = warnings(page);
    const result = await page.evaluate(async () => {
      const { default: init, initSync, SessionManager } = await import('/pkg/session_keeper.js');
      const exports = await init('/pkg/session_keeper_bg.wasm');
      const again = initSync(new Uint8Array(0)); // already initialised: answers the same exports
      const session = new SessionManager({ projectId: 'P1', persist: 'memory', baseUrl: location.origin });
      return { same: exports === again, session: typeof session.refresh };
    });
    assert.deepEqual(result, { same: true, session: 'function' });
    assert.deepEqual(warned, ['session-keeper: init(path) is deprecated, pass { module_or_path }']);
    await context.close();
  });

  it('instantiates from bytes with the form of initSync from before its options object, with a warning', async () => {
    const { context, page } = await plainPage();
    const warned = warnings(page);
    const result = await page.evaluate(async () => {
      const { initSync, SessionManager } = await import('/pkg/session_keeper.js');
      const bytes = await fetch('/pkg/session_keeper_bg.wasm').then((r) => r.arrayBuffer());
      initSync(bytes);
      const session = new SessionManager({ projectId: 'P1', persist: 'memory', baseUrl: location.origin });
      return typeof session.refresh;
    });
    assert.equal(result, 'function');
    assert.deepEqual(warned, ['session-keeper: initSync(module) is deprecated, pass { module }']);
    await context.close();
  });
});
