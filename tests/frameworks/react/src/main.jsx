// session-keeper in a React app, the way its README recommends: one SessionManager for the page,
// read by components through useSyncExternalStore(session.subscribe, session.getSnapshot).
// Served next to the devserver's API (baseUrl is this page's origin); `?project=` picks the
// Descope project id. tests/frameworks/react.test.mjs drives it and reads window.renders.
import { StrictMode, useState, useSyncExternalStore } from 'react';
import { createRoot } from 'react-dom/client';
import init, { SessionManager } from 'session-keeper';

const projectId = new URLSearchParams(location.search).get('project') || 'P-react';

await init();
const session = new SessionManager({ projectId, baseUrl: location.origin });
window.session = session;
window.renders = 0;

function useSession() {
  return useSyncExternalStore(session.subscribe, session.getSnapshot);
}

function SessionStatus() {
  const { isAuthenticated, user, currentTenant, expiresAt } = useSession();
  window.renders += 1;
  return (
    <dl>
      <dt>Signed in</dt>
      <dd id="authenticated">{isAuthenticated ? 'yes' : 'no'}</dd>
      <dt>User</dt>
      <dd id="user">{user?.name ?? '-'}</dd>
      <dt>Tenant</dt>
      <dd id="tenant">{currentTenant ?? '-'}</dd>
      <dt>Expires</dt>
      <dd id="expires">{expiresAt === undefined ? '-' : String(expiresAt)}</dd>
    </dl>
  );
}

function Actions() {
  const { isAuthenticated } = useSession();
  const [error, setError] = useState('');
  const run = (action) => async () => {
    setError('');
    try {
      await action();
    } catch (e) {
      setError(e.code ?? e.message);
    }
  };
  const signIn = async () => {
    const response = await fetch(`${location.origin}/v1/auth/password/signin`, {
      method: 'POST',
      headers: { authorization: `Bearer ${projectId}`, 'content-type': 'application/json' },
      credentials: 'include',
      body: JSON.stringify({ loginId: 'ada@example.com', password: 'pw-12345' }),
    });
    if (!response.ok) throw new Error(`sign-in failed: ${response.status}`);
    session.apply(await response.json());
  };
  return (
    <p>
      {isAuthenticated ? (
        <>
          <button id="tenant-acme" type="button" onClick={run(() => session.selectTenant('T-acme'))}>Acme</button>
          <button id="tenant-globex" type="button" onClick={run(() => session.selectTenant('T-globex'))}>Globex</button>
          <button id="logout" type="button" onClick={run(() => session.logout())}>Log out</button>
        </>
      ) : (
        <button id="signin" type="button" onClick={run(signIn)}>Sign in</button>
      )}
      <output id="error">{error}</output>
    </p>
  );
}

function App() {
  return (
    <main>
      <h1>session-keeper with React</h1>
      <SessionStatus />
      <Actions />
    </main>
  );
}

await session.ready();
createRoot(document.getElementById('root')).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
document.body.dataset.ready = 'true';
