// A TypeScript user of the package, checked with `tsc --strict --noEmit` against the packed and
// installed package (scripts/check-package.sh). It touches every export, and each
// `@ts-expect-error` proves the declarations refuse a misuse: if a declaration got looser
// (an `any`, a missing union member check), that line would stop erroring and tsc would fail.

import init, {
  createSession,
  initSync,
  SessionManager,
  type AccessKeyExchangeResponse,
  type AutoRefreshOptions,
  type CookieOptions,
  type IDPResponse,
  type InitInput,
  type InitOutput,
  type JWTResponse,
  type LoginOptions,
  type Persist,
  type RequestConfig,
  type ResponseInfo,
  type SecurityQuestionAnswer,
  type SecurityQuestionsVerifyRequest,
  type SessionError,
  type SessionErrorCode,
  type SessionHooks,
  type SessionManagerOptions,
  type SessionSnapshot,
  type SyncInitInput,
  type Tenant,
  type TenantsResponse,
  type TwoFactorDetails,
  type TwoFactorMethod,
  type User,
  type UserHistory,
  type UserTenants,
  type ValidateResponse,
} from 'session-keeper';
// The Rocket.Chat facade is its own entry (its own wasm): a Descope app does not download it.
import initRocketChat, {
  RocketChatSession,
  type LogoutSessionResult,
  type RocketChatCredentials,
  type RocketChatLoginData,
  type RocketChatSessionOptions,
  type RocketChatUser,
  type SessionError as RocketChatError,
  type TwoFactor,
} from 'session-keeper/rocketchat';

// ---- init ------------------------------------------------------------------------------------

export async function start(wasmUrl: URL, bytes: ArrayBuffer): Promise<void> {
  const output: InitOutput = await init();
  const memory: WebAssembly.Memory = output.memory;
  void memory;
  await init({ module_or_path: wasmUrl });
  const input: InitInput = fetch(wasmUrl.href) as unknown as Response;
  void input;
  const sync: SyncInitInput = bytes;
  initSync({ module: sync });
  // @ts-expect-error init takes where the module is (WebAssembly.Module is `{}` in lib.dom, so
  // anything but null and undefined passes as one)
  await init(null);
}

// One call instead of init() + new SessionManager(): initialises the module once.
export async function quickStart(): Promise<SessionManager> {
  const created: SessionManager = await createSession({ projectId: 'P2abc', persist: 'memory' });
  // @ts-expect-error createSession takes the same options as the constructor
  await createSession({ baseUrl: 'https://api.descope.com' });
  // @ts-expect-error it answers a promise, not the manager itself
  const sync: SessionManager = createSession({ projectId: 'P2abc' });
  void sync;
  return created;
}

// ---- options ---------------------------------------------------------------------------------

const cookie: CookieOptions = { name: 'DS', sameSite: 'Lax', secure: true, domain: 'example.com' };
const persist: Persist = 'sessionStorage';
const options: SessionManagerOptions = {
  projectId: 'P2abc',
  baseUrl: 'https://api.descope.com',
  storagePrefix: 'app.',
  persist,
  sessionTokenViaCookie: cookie,
  refreshTokenViaCookie: false,
  autoRefresh: true,
  crossTab: true,
  requestTimeoutMs: 5000,
};
const session = new SessionManager(options);
new SessionManager({ projectId: 'P2abc', sessionTokenViaCookie: true, persist: 'memory' });

// @ts-expect-error projectId is required
new SessionManager({});
// @ts-expect-error projectId is required
new SessionManager({ baseUrl: 'https://api.descope.com' });
// @ts-expect-error projectId is a string
new SessionManager({ projectId: 42 });
// @ts-expect-error persist is one of three names
new SessionManager({ projectId: 'P', persist: 'indexedDB' });
// @ts-expect-error autoRefresh is a boolean
new SessionManager({ projectId: 'P', autoRefresh: 'yes' });
// @ts-expect-error requestTimeoutMs is a number of milliseconds
new SessionManager({ projectId: 'P', requestTimeoutMs: '10s' });
// @ts-expect-error sameSite is capitalised as in the cookie attribute
new SessionManager({ projectId: 'P', sessionTokenViaCookie: { sameSite: 'lax' } });
// @ts-expect-error a cookie option is a boolean or CookieOptions
new SessionManager({ projectId: 'P', refreshTokenViaCookie: 'DSR' });
// @ts-expect-error persistTokens is a boolean
new SessionManager({ projectId: 'P', persistTokens: 'yes' });

// A session config as a Descope app writes it for @descope/web-js-sdk's createSdk().
const activity: AutoRefreshOptions = { customActivityTracking: true };
const hooks: SessionHooks = {
  beforeRequest: (config: RequestConfig) => ({ ...config, headers: { ...config.headers, 'x-trace': '1' } }),
  afterRequest: (request: RequestConfig, response: ResponseInfo) => void [request.path, response.status, response.ok],
};
new SessionManager({
  projectId: 'P2abc',
  persistTokens: true,
  sessionTokenViaCookie: { cookieName: 'app_session', domain: 'example.com', sameSite: 'Lax' },
  refreshTokenViaCookie: { cookieName: 'app_refresh' },
  autoRefresh: activity,
  refreshCookieName: 'app_refresh',
  storeLastAuthenticatedUser: true,
  keepLastAuthenticatedUserAfterLogout: true,
  baseHeaders: { 'x-app': 'web' },
  hooks,
});
new SessionManager({ projectId: 'P', autoRefresh: {} });
new SessionManager({ projectId: 'P', hooks: { beforeRequest: async () => undefined } });

// @ts-expect-error customActivityTracking is a boolean
new SessionManager({ projectId: 'P', autoRefresh: { customActivityTracking: 'yes' } });
// @ts-expect-error cookieName is a string
new SessionManager({ projectId: 'P', sessionTokenViaCookie: { cookieName: 1 } });
// @ts-expect-error baseHeaders values are strings
new SessionManager({ projectId: 'P', baseHeaders: { 'x-app': 1 } });
// @ts-expect-error hooks are functions
new SessionManager({ projectId: 'P', hooks: { beforeRequest: 'log' } });
// @ts-expect-error afterRequest gets the request and the response info
new SessionManager({ projectId: 'P', hooks: { afterRequest: (status: number) => void status } });
// @ts-expect-error refreshCookieName is a cookie name string
new SessionManager({ projectId: 'P', refreshCookieName: true });
// @ts-expect-error keepLastAuthenticatedUserAfterLogout is a boolean
new SessionManager({ projectId: 'P', keepLastAuthenticatedUserAfterLogout: 'yes' });

// ---- state -----------------------------------------------------------------------------------

const token: string | undefined = session.sessionToken;
const refreshToken: string | undefined = session.refreshToken;
const user: User | undefined = session.user;
const authenticated: boolean = session.isAuthenticated;
const claims: Record<string, unknown> | undefined = session.claims;
const tenant: string | undefined = session.currentTenant;
const expiresAt: number | undefined = session.expiresAt;
const nextRefreshAt: number | undefined = session.nextRefreshAt;
const roles: string[] = session.roles();
const tenantPermissions: string[] = session.permissions('T-acme');
const tenantIds: string[] | undefined = session.tenants;
void [token, refreshToken, user, authenticated, claims, tenant, expiresAt, nextRefreshAt, roles, tenantPermissions, tenantIds];

// UI frameworks: the snapshot holds no tokens; subscribe/getSnapshot work unbound.
const snapshot: SessionSnapshot = session.getSnapshot();
const snapshotUser: User | undefined = snapshot.user;
const snapshotTenant: string | undefined = snapshot.currentTenant;
const snapshotExpiry: number | undefined = snapshot.expiresAt;
const { subscribe, getSnapshot } = session;
const stopStore: () => void = subscribe((next: SessionSnapshot) => void next.isAuthenticated);
stopStore();
void [snapshotUser, snapshotTenant, snapshotExpiry, getSnapshot().claims];
session.markUserActive();
const stopClaims: () => void = session.onClaimsChange((next: Record<string, unknown> | undefined) => void next?.['sub']);
stopClaims();

// @ts-expect-error the snapshot has no tokens
void snapshot.sessionToken;
// @ts-expect-error the snapshot is read through getSnapshot, not assigned
session.getSnapshot = () => snapshot;
// @ts-expect-error a subscriber gets the snapshot
subscribe((next: string) => void next);
// @ts-expect-error tenants is a list of ids
const oneTenant: string = session.tenants;
// @ts-expect-error the claims callback gets the claims object
session.onClaimsChange((next: string) => void next);
void oneTenant;

// @ts-expect-error the state is read-only
session.isAuthenticated = true;
// @ts-expect-error the token may be absent
const mustHaveToken: string = session.sessionToken;
// @ts-expect-error the expiry is a number of milliseconds, and may be absent
const expiryText: string = session.expiresAt;
// @ts-expect-error roles take a tenant id string
session.roles(7);
void [mustHaveToken, expiryText];

// ---- events ----------------------------------------------------------------------------------

const unsubscribers: Array<() => void> = [
  session.onSessionTokenChange((next: string | undefined) => void next?.length),
  session.onUserChange((next: User | undefined) => void next?.email),
  session.onIsAuthenticatedChange((signedIn: boolean) => void signedIn),
  session.onRefreshError((error: SessionError) => void error.code),
];
unsubscribers.forEach((stop) => stop());

// @ts-expect-error the token callback gets a string or undefined
session.onSessionTokenChange((next: string) => void next);
// @ts-expect-error the token callback gets a string, not a number
session.onSessionTokenChange((next: number) => void next);
// @ts-expect-error the user callback gets a User
session.onUserChange((next: string) => void next);
// @ts-expect-error the authentication callback gets a boolean
session.onIsAuthenticatedChange((next: User) => void next);
// @ts-expect-error the refresh error callback gets a SessionError
session.onRefreshError((error: string) => void error);
// @ts-expect-error the unsubscribe function returns nothing useful
const stopped: Promise<void> = session.onUserChange(() => {});
void stopped;

// ---- lifecycle and calls ---------------------------------------------------------------------

export async function calls(): Promise<void> {
  const signIn: JWTResponse = {
    sessionJwt: 'a.b.c',
    refreshJwt: 'd.e.f',
    cookieName: 'DSR',
    sessionCookieName: 'DS',
    cookiePath: '/',
    cookieMaxAge: 2592000,
    nextRefreshSeconds: 60,
  };
  session.apply(signIn);
  await session.ready();

  const refreshed: JWTResponse = await session.refresh();
  const idp: IDPResponse | undefined = refreshed.idpResponse;
  void idp;

  const me: User = await session.me();
  const tenants: UserTenants[] | undefined = me.userTenants;
  const firstTenantName: string | undefined = tenants?.[0]?.tenantName;
  // The user object is JSON from the server, passed through: maps are plain objects.
  const oauth: Record<string, boolean> | undefined = me.OAuth;
  void [firstTenantName, oauth];

  const history: UserHistory[] = await session.history();
  const loginTime: number | undefined = history[0]?.loginTime;
  void loginTime;

  const selected: JWTResponse = await session.selectTenant('T-acme');
  void selected;

  const current: TenantsResponse = await session.myTenants(true);
  const listed: Tenant[] = (await session.myTenants(['T-acme', 'T-globex'])).tenants;
  const tenantName: string | undefined = listed[0]?.name;
  void [current.tenants[0]?.id, tenantName];
  // @ts-expect-error myTenants takes true or a list of tenant ids
  await session.myTenants('T-acme');
  // @ts-expect-error myTenants takes true, not false
  await session.myTenants(false);

  const validated: ValidateResponse = await session.validate();
  const parsed: Record<string, unknown> = validated.parsedJWT;
  void parsed;

  const answer: SecurityQuestionAnswer = { questionId: 'q-color', answer: 'blue' };
  const request: SecurityQuestionsVerifyRequest = { answers: [answer], stepup: true };
  await session.verifySecurityQuestions(request);
  await session.verifySecurityQuestions({ loginId: 'ada@example.com', answers: [answer] });

  const loginOptions: LoginOptions = { customClaims: { scope: 'reports' }, stepup: false };
  const exchanged: AccessKeyExchangeResponse = await session.exchangeAccessKey('K2abc', loginOptions);
  const keyId: string = exchanged.keyId;
  const keyJwt: string = exchanged.sessionJwt;
  void [keyId, keyJwt];
  await session.exchangeAccessKey('K2abc');

  await session.logout();
  await session.logoutAll();
  session.dispose();
  session.free();
  {
    using scoped = new SessionManager({ projectId: 'P2abc', persist: 'memory' });
    void scoped.isAuthenticated;
  }

  // @ts-expect-error apply takes a JWT response object
  session.apply('a.b.c');
  // @ts-expect-error sessionJwt is a string
  session.apply({ sessionJwt: 1 });
  // @ts-expect-error selectTenant takes a tenant id string
  await session.selectTenant(42);
  // @ts-expect-error selectTenant takes a tenant id
  await session.selectTenant();
  // @ts-expect-error the access key is a string
  await session.exchangeAccessKey({ key: 'K2abc' });
  // @ts-expect-error each answer needs its text
  await session.verifySecurityQuestions({ answers: [{ questionId: 'q-color' }] });
  // @ts-expect-error answers are required
  await session.verifySecurityQuestions({ loginId: 'ada@example.com' });
  // @ts-expect-error history is a list, not a user
  const notAUser: User = await session.history();
  // @ts-expect-error logout resolves with nothing
  const nothing: string = await session.logout();
  void [notAUser, nothing];
}

// ---- errors ----------------------------------------------------------------------------------

export function describeError(error: unknown): string {
  if (!(error instanceof Error) || error.name !== 'SessionError') return String(error);
  const e = error as SessionError;
  const code: SessionErrorCode = e.code;
  switch (code) {
    case 'network':
    case 'timeout':
      return 'offline';
    case 'rate_limited':
      return `retry in ${e.retryAfter ?? 1} s`;
    case 'unauthorized':
    case 'forbidden':
      return `refused (${e.status ?? '?'} ${e.errorCode ?? ''} ${e.errorDescription ?? ''})`;
    case 'two_factor_required':
      return `code needed: ${String(e.details?.['method'])}`;
    case 'http':
    case 'invalid_response':
    case 'invalid_argument':
    case 'storage':
      return e.message;
    default: {
      const exhaustive: never = code;
      return exhaustive;
    }
  }
}

// @ts-expect-error not an error code
const badCode: SessionErrorCode = 'not_found';
void badCode;
export function compareCode(e: SessionError): boolean {
  // @ts-expect-error there is no such code to compare with
  return e.code === 'expired';
}

// ---- Rocket.Chat -----------------------------------------------------------------------------

export async function rocketChat(): Promise<void> {
  await initRocketChat();
  const rcOptions: RocketChatSessionOptions = {
    baseUrl: 'https://chat.example.com',
    storagePrefix: 'rc.',
    persist: 'memory',
    requestTimeoutMs: 5000,
  };
  const rc = new RocketChatSession(rcOptions);
  new RocketChatSession({ baseUrl: 'https://chat.example.com' });
  const credentials: RocketChatCredentials = { userId: 'RCadmin', authToken: 'secret' };
  rc.apply(credentials);
  const userId: string | undefined = rc.userId;
  const authToken: string | undefined = rc.authToken;
  const signedIn: boolean = rc.isAuthenticated;
  void [userId, authToken, signedIn];

  const data: RocketChatLoginData = await rc.login('rc-admin', 'admin-pass');
  const me: RocketChatUser = data.me;
  const id: string = me._id;
  const username: string | undefined = me.username;
  rc.apply(data); // a login answer's data fits
  void [id, username];

  try {
    await rc.logoutSession('session-id');
  } catch (error) {
    const e = error as RocketChatError;
    if (e.code === 'two_factor_required') {
      const details = e.details as TwoFactorDetails | undefined;
      const method: TwoFactorMethod = details?.method ?? 'totp';
      const offered: TwoFactorMethod[] = details?.availableMethods ?? [method];
      const sent: boolean = details?.codeGenerated ?? false;
      void [offered, sent];
      const twoFactor: TwoFactor = { method, code: '123456' };
      const result: LogoutSessionResult = await rc.logoutSession('session-id', twoFactor);
      const ended: string = result.sessionId;
      const success: boolean = result.success;
      void [ended, success];
    }
  }
  await rc.logoutSession('session-id', { method: 'email', code: '123456' });
  await rc.logoutSession('session-id', { method: 'password', code: 'admin-pass' });
  await rc.logout();
  rc.free();
  {
    using scoped = new RocketChatSession({ baseUrl: 'https://chat.example.com', persist: 'memory' });
    void scoped.isAuthenticated;
  }

  // @ts-expect-error baseUrl is required
  new RocketChatSession({});
  // @ts-expect-error persist is one of three names
  new RocketChatSession({ baseUrl: 'https://chat.example.com', persist: 'cookie' });
  // @ts-expect-error credentials need both userId and authToken
  rc.apply({ userId: 'RCadmin' });
  // @ts-expect-error login takes a user and a password
  await rc.login('rc-admin');
  // @ts-expect-error the two-factor method is totp, email or password
  await rc.logoutSession('session-id', { method: 'sms', code: '123456' });
  // @ts-expect-error the two-factor answer needs its code
  await rc.logoutSession('session-id', { method: 'totp' });
  // @ts-expect-error the session id is a string
  await rc.logoutSession(17);
  // @ts-expect-error the credentials are read-only
  rc.userId = 'someone-else';
  // @ts-expect-error not a two-factor method
  const sms: TwoFactorMethod = 'sms';
  // @ts-expect-error logoutSession resolves with the result, not a boolean
  const done: boolean = await rc.logoutSession('session-id', { method: 'totp', code: '123456' });
  void [sms, done];
}
