// Cold start of session-keeper, from this script's start: the glue module loaded, the wasm
// downloaded, compiled and initialised, the manager constructed, the session restored from the
// storage the benchmark seeded (no network call expected). The result goes to the console as
// one line, so that the benchmark does not run scripts in the page while it loads.
const t0 = performance.now();
const params = new URLSearchParams(location.search);
const mod = await import('/pkg/session_keeper.js');
const glue = performance.now();
await mod.default();
const init = performance.now();
const session = new mod.SessionManager({
  projectId: params.get('project'),
  baseUrl: location.origin,
  sessionTokenViaCookie: false,
});
const constructed = performance.now();
await session.ready();
const ready = performance.now();
console.log(
  `cold-start ${JSON.stringify({
    glue: glue - t0,
    init: init - t0,
    constructor: constructed - t0,
    ready: ready - t0,
    authenticated: session.isAuthenticated,
    token: session.sessionToken,
  })}`,
);
