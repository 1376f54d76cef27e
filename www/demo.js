// The session-keeper demo. Uses only the package's public JS API (init, SessionManager,
// RocketChatSession) plus plain fetch for what an app does itself: the Descope sign-in call,
// Rocket.Chat's session list, and the devserver's fault-injection control API.
//
// Query parameters (for tests and experiments): ?project=<Descope project id>.

import init, { SessionManager } from '/pkg/session_keeper.js';
import initRocketChat, { RocketChatSession } from '/pkg/rocketchat.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const PROJECT_ID = params.get('project') || 'P-demo';
const BASE_URL = location.origin;
const RC_PASSWORDS = {
  'rc-admin': 'admin-pass',
  'rc-email': 'email-pass',
  'rc-pass': 'pass-pass',
  'rc-user': 'user-pass',
  'rc-alice': 'alice-pass',
};

// ---- small helpers ------------------------------------------------------------------------------

/** The start and end of a token: enough to tell two apart, never enough to use one. */
function shortExcerpt(token) {
  if (typeof token !== 'string' || token === '') return '—';
  if (token.length <= 24) return `${token.slice(0, 4)}…`;
  return `${token.slice(0, 10)}…${token.slice(-6)}`;
}

/** An excerpt of a token with its length. */
function excerpt(token) {
  if (typeof token !== 'string' || token === '') return '—';
  return `${shortExcerpt(token)} (${token.length} chars)`;
}

/** Shows a token excerpt in `<code id=…>` and its length in `<span id=…-len>`. */
function showToken(id, token, absent) {
  $(id).textContent = token ? shortExcerpt(token) : absent;
  $(`${id}-len`).textContent = token ? `${token.length} chars` : '';
}

const JWT_SHAPE = /^[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}$/;
const SECRET_KEY = /(jwt|token|secret|password)$/i;

/** A copy of `value` with every token replaced by an excerpt, for display. */
function redact(value, key = '') {
  if (typeof value === 'string') {
    return (value && (JWT_SHAPE.test(value) || SECRET_KEY.test(key))) ? excerpt(value) : value;
  }
  if (Array.isArray(value)) return value.map((v) => redact(v));
  if (value && typeof value === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = redact(v, k);
    return out;
  }
  return value;
}

const clock = (ms) => new Date(ms).toLocaleTimeString([], { hour12: false });
const stamp = (ms) => `${clock(ms)}.${String(new Date(ms).getMilliseconds()).padStart(3, '0')}`;

function seconds(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  return s >= 120 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
}

/** "code (status errorCode): message" for a SessionError or anything else thrown. */
function describe(error) {
  if (error && error.name === 'SessionError') {
    const parts = [error.code];
    if (error.status) parts.push(String(error.status));
    if (error.errorCode) parts.push(error.errorCode);
    if (error.retryAfter !== undefined) parts.push(`retry after ${error.retryAfter} s`);
    return `${parts.join(' · ')}: ${error.errorDescription || error.message}`;
  }
  return String(error?.message ?? error);
}

// ---- timeline -----------------------------------------------------------------------------------

const KIND_LABEL = {
  info: 'info',
  signin: 'sign-in',
  refresh: 'refresh',
  net: 'request',
  error: 'error',
  retry: 'retry',
  logout: 'logout',
  tab: 'other tab',
  fault: 'fault',
  rc: 'rocket.chat',
  twofa: '2fa',
};

/** Adds an event to the timeline (newest first), in the order of `at` (epoch ms). */
function timeline(kind, text, at = Date.now()) {
  const item = document.createElement('li');
  item.className = `ev ev-${kind}`;
  item.dataset.kind = kind;
  item.dataset.at = String(at);
  const time = document.createElement('time');
  time.textContent = stamp(at);
  const badge = document.createElement('span');
  badge.className = 'badge';
  badge.textContent = KIND_LABEL[kind] ?? kind;
  const body = document.createElement('span');
  body.className = 'ev-text';
  body.textContent = text;
  item.append(time, badge, body);
  const list = $('timeline');
  let before = list.firstElementChild;
  while (before && Number(before.dataset.at) > at) before = before.nextElementSibling;
  list.insertBefore(item, before);
  while (list.children.length > 200) list.lastElementChild.remove();
}

function showResult(what, value) {
  $('result-what').textContent = what;
  $('result').textContent =
    typeof value === 'string' ? value : JSON.stringify(redact(value), null, 2) ?? 'undefined';
}

/** Runs an action of a button, with the button disabled while it runs. */
async function action(button, what, run) {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    const value = await run();
    showResult(what, value === undefined ? '(done)' : value);
    return value;
  } catch (error) {
    showResult(what, `✗ ${describe(error)}`);
    timeline('error', `${what} failed: ${describe(error)}`);
    return undefined;
  } finally {
    button.removeAttribute('aria-busy');
    button.disabled = false;
    render();
  }
}

// ---- boot -------------------------------------------------------------------------------------------

let session;
let rc;

try {
  await Promise.all([init(), initRocketChat()]);
  session = new SessionManager({ projectId: PROJECT_ID, baseUrl: BASE_URL });
  rc = new RocketChatSession({ baseUrl: BASE_URL });
} catch (error) {
  const banner = $('boot-error');
  banner.hidden = false;
  banner.textContent = `The package did not start: ${describe(error)}`;
  $('status-pill').textContent = 'failed';
  throw error;
}

$('project-id').textContent = PROJECT_ID;
$('s-project').textContent = PROJECT_ID;
$('second-tab').href = location.href;

// ---- Descope session: events --------------------------------------------------------------------

let lastToken = session.sessionToken;
let ownLogout = false; // set while this tab logs out, to tell other tabs' logouts apart
let failures = 0; // failed refresh attempts since the last success
let refusedBy; // the refresh error that ends the session (400/401/403), until it has ended

session.onSessionTokenChange((token) => {
  if (token && lastToken && token !== lastToken) {
    const after = failures ? ` after ${failures} failed attempt${failures > 1 ? 's' : ''}` : '';
    timeline('refresh', `session token refreshed${after} → ${excerpt(token)}`);
  }
  if (token) failures = 0;
  lastToken = token;
  render();
});

session.onIsAuthenticatedChange((signedIn) => {
  if (signedIn) {
    timeline('signin', `signed in as ${session.user?.name ?? session.claims?.sub ?? '?'}`);
  } else if (ownLogout) {
    timeline('logout', 'signed out in this tab');
  } else if (refusedBy) {
    timeline('logout', `session ended: the server refused the refresh (${refusedBy.status ?? refusedBy.code})`);
  } else if (session.expiresAt && session.expiresAt <= Date.now()) {
    timeline('logout', 'the session expired');
  } else {
    timeline('tab', 'signed out in another tab');
  }
  ownLogout = false;
  refusedBy = undefined;
  render();
});

session.onUserChange(() => render());

session.onRefreshError((error) => {
  failures += 1;
  const transient = ['network', 'timeout', 'rate_limited'].includes(error.code) ||
    (error.code === 'http' && error.status >= 500);
  if (!transient) refusedBy = error;
  timeline('error', `refresh attempt ${failures} failed: ${describe(error)}`);
  // Read the retry time once the package has scheduled it.
  setTimeout(() => {
    if (transient && session.isAuthenticated) {
      const next = session.nextRefreshAt;
      const when = next && next > Date.now() ? ` in ${seconds(next - Date.now())}` : ' with backoff';
      timeline('retry', `will retry${when}; the session is kept`);
    }
    render();
  }, 0);
});

// The refresh requests this tab itself sends, from the browser's resource timing: with several
// tabs open, only one of them shows the request of a cycle, and every tab shows the new token.
if ('PerformanceObserver' in window) {
  const watched = ['/v1/auth/refresh', '/v1/auth/logout', '/v1/auth/logoutall', '/v1/auth/tenant/select'];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const path = new URL(entry.name).pathname;
      if (entry.initiatorType === 'fetch' && watched.includes(path)) {
        const at = Math.round(performance.timeOrigin + entry.responseEnd);
        timeline('net', `this tab sent POST ${path} (${Math.round(entry.duration)} ms)`, at);
      }
    }
    performance.clearResourceTimings();
  }).observe({ type: 'resource' });
}

// ---- Descope session: rendering -----------------------------------------------------------------

function render() {
  const signedIn = session.isAuthenticated;
  const pill = $('status-pill');
  pill.textContent = signedIn ? 'signed in' : 'signed out';
  pill.className = `pill ${signedIn ? 'pill-on' : 'pill-off'}`;
  document.body.dataset.session = signedIn ? 'on' : 'off';

  $('signin-card').hidden = signedIn;
  for (const button of document.querySelectorAll('[data-needs-session]')) {
    if (!button.hasAttribute('aria-busy')) button.disabled = !signedIn;
  }

  const user = session.user;
  $('s-user').textContent = user ? `${user.name ?? '?'} <${user.email ?? user.loginIds?.[0] ?? '?'}>` : '—';
  $('s-tenant').textContent = session.currentTenant ?? (signedIn ? 'none selected' : '—');
  showToken('s-token', session.sessionToken, '—');
  showToken('s-refresh', session.refreshToken, signedIn ? 'not readable (httpOnly cookie)' : '—');
  const roles = session.roles();
  const tenant = session.currentTenant;
  $('s-roles').textContent = signedIn
    ? `${roles.join(', ') || 'none'}${tenant ? ` · in ${tenant}: ${session.roles(tenant).join(', ') || 'none'}` : ''}`
    : '—';

  const claims = session.claims;
  if (claims) {
    const shown = { ...claims };
    for (const key of ['iat', 'exp']) {
      if (typeof shown[key] === 'number') shown[key] = `${shown[key]} (${clock(shown[key] * 1000)})`;
    }
    $('s-claims').textContent = JSON.stringify(redact(shown), null, 2);
  } else {
    $('s-claims').textContent = '—';
  }
  tick();
}

let cycleStart; // when the current refresh wait started, for the meter
let cycleTarget;

/** The parts that change every second: expiry and the countdown to the next refresh. */
function tick() {
  const now = Date.now();
  const expiresAt = session.expiresAt;
  $('s-expires').textContent = expiresAt
    ? `${clock(expiresAt)} (in ${seconds(expiresAt - now)})`
    : '—';
  const next = session.nextRefreshAt;
  const bar = $('s-next-bar');
  if (next && session.isAuthenticated) {
    if (next !== cycleTarget) {
      cycleTarget = next;
      cycleStart = now;
    }
    const left = next - now;
    $('s-next').textContent = left > 0 ? `in ${seconds(left)} (${clock(next)})` : 'now…';
    const span = Math.max(1, next - cycleStart);
    bar.style.width = `${Math.min(100, Math.max(0, (100 * (now - cycleStart)) / span))}%`;
  } else {
    $('s-next').textContent = session.isAuthenticated ? 'not scheduled' : '—';
    bar.style.width = '0%';
  }
}
setInterval(tick, 250);

// ---- Descope session: actions -------------------------------------------------------------------

$('signin-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const button = $('signin');
  await action(button, 'sign-in', async () => {
    const response = await fetch(`${BASE_URL}/v1/auth/password/signin`, {
      method: 'POST',
      headers: { authorization: `Bearer ${PROJECT_ID}`, 'content-type': 'application/json' },
      credentials: 'include',
      body: JSON.stringify({ loginId: $('login-id').value, password: $('password').value }),
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      throw new Error(`sign-in refused: ${response.status} ${body.errorCode ?? ''} ${body.errorDescription ?? ''}`);
    }
    lastToken = body.sessionJwt;
    ownLogout = false;
    failures = 0;
    session.apply(body);
    return body;
  });
});

$('do-refresh').addEventListener('click', (e) => action(e.currentTarget, 'refresh()', () => session.refresh()));
$('fault-refresh').addEventListener('click', (e) => action(e.currentTarget, 'refresh()', () => session.refresh()));
$('do-me').addEventListener('click', (e) => action(e.currentTarget, 'me()', () => session.me()));
$('do-history').addEventListener('click', (e) => action(e.currentTarget, 'history()', () => session.history()));
$('do-validate').addEventListener('click', (e) => action(e.currentTarget, 'validate()', () => session.validate()));

$('tenant-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const tenant = $('tenant').value;
  const response = await action($('do-tenant'), `selectTenant("${tenant}")`, () => session.selectTenant(tenant));
  if (response) timeline('info', `tenant selected: ${session.currentTenant}`);
});

$('questions-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const request = {
    answers: [
      { questionId: 'q-color', answer: $('q-color').value },
      { questionId: 'q-city', answer: $('q-city').value },
    ],
    stepup: $('q-stepup').checked,
  };
  const response = await action($('do-questions'), 'verifySecurityQuestions()', () =>
    session.verifySecurityQuestions(request),
  );
  if (response) timeline('info', `security questions verified${session.claims?.su ? ' (step-up: su claim)' : ''}`);
});

async function signOut(button, what, run) {
  ownLogout = true;
  await action(button, what, run);
}
$('do-logout').addEventListener('click', (e) => signOut(e.currentTarget, 'logout()', () => session.logout()));
$('do-logout-all').addEventListener('click', (e) =>
  signOut(e.currentTarget, 'logoutAll()', () => session.logoutAll()),
);

$('clear-timeline').addEventListener('click', () => {
  $('timeline').replaceChildren();
});

// ---- fault injection ------------------------------------------------------------------------------

async function control(method, route, body) {
  const response = await fetch(`${BASE_URL}/__control/${route}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(response.status === 404
      ? 'the devserver was started without --control'
      : `control API: ${response.status} ${text}`);
  }
  return text ? JSON.parse(text) : {};
}

$('fault-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const kind = $('fault-kind').value;
  const count = Math.min(5, Math.max(1, Number($('fault-count').value) || 1));
  const spec = { path: '/v1/auth/refresh', project: PROJECT_ID, count };
  let text;
  if (kind === 'delay') {
    spec.delayMs = 4000;
    text = 'a 4 s delay';
  } else if (kind === '429') {
    spec.status = 429;
    spec.retryAfter = 3;
    text = '429 with Retry-After: 3';
  } else {
    spec.status = Number(kind);
    text = `status ${kind}`;
  }
  const button = $('fault-add');
  button.disabled = true;
  try {
    const { pending } = await control('POST', 'faults', spec);
    const line = count > 1
      ? `the next ${count} refresh requests will get ${text}`
      : `the next refresh request will get ${text}`;
    timeline('fault', line);
    $('fault-status').textContent = `Queued: ${line} (${pending} fault${pending === 1 ? '' : 's'} pending).`;
  } catch (error) {
    $('fault-status').textContent = `✗ ${describe(error)}`;
  } finally {
    button.disabled = false;
  }
});

$('fault-clear').addEventListener('click', async () => {
  try {
    await control('DELETE', 'faults');
    $('fault-status').textContent = 'No faults pending.';
    timeline('fault', 'pending faults cleared');
  } catch (error) {
    $('fault-status').textContent = `✗ ${describe(error)}`;
  }
});

// ---- Rocket.Chat ------------------------------------------------------------------------------------

let rcUser = localStorage.getItem('demo.rcUser') || 'rc-admin';
let pendingLogout; // { sessionId, details } while a 2FA prompt is open
let ownSessionId = localStorage.getItem('demo.rcSession') ?? undefined;

$('rc-user').value = RC_PASSWORDS[rcUser] ? rcUser : 'rc-admin';
$('rc-password').value = RC_PASSWORDS[$('rc-user').value];
$('rc-user').addEventListener('change', () => {
  $('rc-password').value = RC_PASSWORDS[$('rc-user').value] ?? '';
});

function renderRc() {
  const on = rc.isAuthenticated;
  $('rc-status').textContent = on
    ? `Logged in as ${rcUser} — userId ${rc.userId}, authToken ${excerpt(rc.authToken)}`
    : 'Not logged in to Rocket.Chat.';
  $('rc-status').className = on ? '' : 'muted';
  for (const id of ['rc-list', 'rc-other', 'rc-logout']) $(id).disabled = !on;
  $('rc-login').disabled = false;
  document.body.dataset.rc = on ? 'on' : 'off';
}

function rcHeaders() {
  return { 'X-User-Id': rc.userId, 'X-Auth-Token': rc.authToken };
}

$('rc-login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const user = $('rc-user').value;
  $('rc-login').disabled = true;
  try {
    await rc.login(user, $('rc-password').value);
    rcUser = user;
    localStorage.setItem('demo.rcUser', user);
    await rememberOwnSession();
    timeline('rc', `logged in to Rocket.Chat as ${user}`);
    await listSessions();
  } catch (error) {
    timeline('error', `Rocket.Chat login failed: ${describe(error)}`);
  } finally {
    renderRc();
  }
});

$('rc-logout').addEventListener('click', async () => {
  try {
    await rc.logout();
    timeline('rc', 'logged out of Rocket.Chat');
  } catch (error) {
    timeline('error', `Rocket.Chat logout failed (local login cleared anyway): ${describe(error)}`);
  }
  closeTwoFactor();
  $('rc-sessions').tBodies[0].replaceChildren(emptyRow('—'));
  renderRc();
});

$('rc-other').addEventListener('click', async () => {
  // Another device of the same user: a separate, in-memory session that is then forgotten.
  const other = new RocketChatSession({ baseUrl: BASE_URL, persist: 'memory' });
  try {
    await other.login(rcUser, RC_PASSWORDS[rcUser]);
    timeline('rc', `${rcUser} logged in on another device`);
    await listSessions();
  } catch (error) {
    timeline('error', `second login failed: ${describe(error)}`);
  } finally {
    other.free();
  }
});

$('rc-list').addEventListener('click', () => listSessions());
$('rc-all').addEventListener('change', () => rc.isAuthenticated && listSessions());

function emptyRow(text) {
  const row = document.createElement('tr');
  const cell = document.createElement('td');
  cell.colSpan = 5;
  cell.className = 'muted';
  cell.textContent = text;
  row.append(cell);
  return row;
}

async function listSessions() {
  if (!rc.isAuthenticated) return;
  const path = $('rc-all').checked ? '/api/v1/sessions/list.all' : '/api/v1/sessions/list';
  const body = $('rc-sessions').tBodies[0];
  let answer;
  try {
    const response = await fetch(`${BASE_URL}${path}?count=50`, { headers: rcHeaders() });
    answer = await response.json().catch(() => ({}));
    if (!response.ok) {
      body.replaceChildren(emptyRow(`${path}: ${response.status} ${answer.error ?? answer.message ?? ''}`));
      timeline('rc', `${path} refused: ${response.status}`);
      return;
    }
  } catch (error) {
    body.replaceChildren(emptyRow(`${path}: ${describe(error)}`));
    return;
  }
  const rows = (answer.sessions ?? []).map((s) => {
    const row = document.createElement('tr');
    row.dataset.sessionId = s.sessionId;
    const cells = [
      s.username ?? s.userId,
      `${s.device?.name ?? '?'}${s.sessionId === ownSessionId ? ' (this page)' : ''}`,
      s.loginAt ? new Date(s.loginAt).toLocaleString([], { hour12: false }) : '?',
      s.sessionId,
    ].map((text, i) => {
      const cell = document.createElement('td');
      cell.textContent = text;
      cell.dataset.label = ['User', 'Device', 'Logged in', 'Session'][i];
      if (i === 3) cell.className = 'mono';
      return cell;
    });
    const end = document.createElement('td');
    const button = document.createElement('button');
    button.className = 'small danger rc-end';
    button.textContent = 'Log out';
    button.addEventListener('click', () => endSession(s.sessionId, button));
    end.append(button);
    row.append(...cells, end);
    return row;
  });
  body.replaceChildren(...(rows.length ? rows : [emptyRow('no sessions')]));
  timeline('rc', `${path}: ${answer.total ?? rows.length} session${rows.length === 1 ? '' : 's'}`);
}

/**
 * The session this page logged in with: right after the login it is the newest of the user's
 * own sessions (lists are newest first). Remembered, since later logins of the same user (another
 * device) are newer still.
 */
async function rememberOwnSession() {
  ownSessionId = undefined;
  try {
    const response = await fetch(`${BASE_URL}/api/v1/sessions/list?count=1`, { headers: rcHeaders() });
    const answer = await response.json();
    ownSessionId = answer.sessions?.[0]?.sessionId;
  } catch {
    // only a label is lost
  }
  if (ownSessionId) localStorage.setItem('demo.rcSession', ownSessionId);
  else localStorage.removeItem('demo.rcSession');
}

async function endSession(sessionId, button, twoFactor) {
  if (button) button.disabled = true;
  try {
    const result = await rc.logoutSession(sessionId, twoFactor);
    timeline('rc', `session ${result.sessionId} logged out`);
    closeTwoFactor();
    if (sessionId === ownSessionId) {
      // This page's own token is revoked now: forget it locally too.
      await rc.logout().catch(() => {});
      timeline('rc', 'that was this page\'s session: logged out of Rocket.Chat here');
      $('rc-sessions').tBodies[0].replaceChildren(emptyRow('—'));
    } else {
      await listSessions();
    }
  } catch (error) {
    if (error?.code === 'two_factor_required') {
      openTwoFactor(sessionId, error, Boolean(twoFactor));
    } else {
      timeline('error', `logoutSession failed: ${describe(error)}`);
      if (error?.code === 'unauthorized') closeTwoFactor();
    }
  } finally {
    if (button) button.disabled = false;
    renderRc();
  }
}

function openTwoFactor(sessionId, error, wasRetry) {
  const details = error.details ?? {};
  const method = details.method ?? 'totp';
  const methods = Array.isArray(details.availableMethods) && details.availableMethods.length
    ? details.availableMethods
    : [method];
  pendingLogout = { sessionId, details };
  const select = $('twofa-method');
  select.replaceChildren(...methods.map((m) => new Option(m, m, m === method, m === method)));
  const form = $('twofa');
  form.hidden = false;
  const sent = details.codeGenerated ? ' A code has just been sent by email.' : '';
  $('twofa-text').textContent = wasRetry
    ? `That code was refused (${error.errorCode ?? 'invalid'}). Try again.${sent}`
    : `Logging out session ${sessionId} needs a ${method} code.${sent}`;
  timeline('twofa', wasRetry
    ? `code refused (${error.errorCode ?? error.code}); asking again`
    : `two-factor challenge: ${method}${details.codeGenerated ? ' (email code sent)' : ''}; available: ${methods.join(', ')}`);
  updateTwoFactorHint();
  $('twofa-code').value = '';
  $('twofa-code').focus();
}

function updateTwoFactorHint() {
  const method = $('twofa-method').value;
  const input = $('twofa-code');
  input.type = method === 'password' ? 'password' : 'text';
  input.placeholder = method === 'password' ? `${rcUser}'s password` : '6-digit code';
  const helper = $('twofa-helper');
  helper.href = `${BASE_URL}/__control/2fa/${encodeURIComponent(rcUser)}`;
  helper.textContent = `/__control/2fa/${rcUser}`;
}
$('twofa-method').addEventListener('change', updateTwoFactorHint);

function closeTwoFactor() {
  pendingLogout = undefined;
  $('twofa').hidden = true;
}
$('twofa-cancel').addEventListener('click', closeTwoFactor);

$('twofa').addEventListener('submit', async (event) => {
  event.preventDefault();
  if (!pendingLogout) return;
  const code = $('twofa-code').value.trim();
  if (!code) {
    $('twofa-code').focus();
    return;
  }
  const submit = $('twofa-submit');
  submit.disabled = true;
  try {
    await endSession(pendingLogout.sessionId, undefined, { method: $('twofa-method').value, code });
  } finally {
    submit.disabled = false;
  }
});

// ---- start ------------------------------------------------------------------------------------------

render();
renderRc();
timeline('info', session.isAuthenticated
  ? `restored the session from storage (project ${PROJECT_ID})`
  : `ready — project ${PROJECT_ID}, no stored session`);
await session.ready();
render();
if (rc.isAuthenticated) listSessions();
document.body.dataset.ready = 'true';
