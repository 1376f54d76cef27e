// The smallest real use of the package through a bundler: init, restore, sign in with the
// Descope password API, count refreshes, log out. Served next to the devserver's API, so
// baseUrl is this page's origin; `?project=` picks the Descope project id.
import init, { SessionManager } from 'session-keeper';

const $ = (id) => document.getElementById(id);
const projectId = new URLSearchParams(location.search).get('project') || 'P-vite-app';
const log = (line) => {
  $('log').textContent += `${new Date().toISOString().slice(11, 23)} ${line}\n`;
};

await init();
const session = new SessionManager({ projectId, baseUrl: location.origin });

let signedInToken;
let refreshes = 0;
const render = () => {
  $('status').textContent = session.isAuthenticated ? `signed in as ${session.user?.name ?? '?'}` : 'signed out';
  $('refreshes').textContent = String(refreshes);
};
session.onSessionTokenChange((token) => {
  if (token && signedInToken && token !== signedInToken) {
    refreshes += 1;
    log('session token refreshed');
  }
  signedInToken = token;
  render();
});
session.onIsAuthenticatedChange((signedIn) => log(signedIn ? 'signed in' : 'signed out'));
session.onRefreshError((error) => log(`refresh failed: ${error.code}`));

$('signin').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData(event.currentTarget);
  const response = await fetch(`${location.origin}/v1/auth/password/signin`, {
    method: 'POST',
    headers: { authorization: `Bearer ${projectId}`, 'content-type': 'application/json' },
    body: JSON.stringify({ loginId: form.get('loginId'), password: form.get('password') }),
  });
  const body = await response.json();
  if (!response.ok) {
    log(`sign-in failed: ${response.status} ${body.errorCode}`);
    return;
  }
  signedInToken = body.sessionJwt;
  session.apply(body);
  render();
});

$('logout').addEventListener('click', async () => {
  try {
    await session.logout();
  } catch (error) {
    log(`logout did not reach the server: ${error.code}`);
  }
  render();
});

await session.ready();
render();
document.body.dataset.ready = 'true';
