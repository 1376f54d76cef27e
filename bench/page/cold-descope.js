// Cold start of @descope/web-js-sdk, from this script's start: its self-contained build
// downloaded and evaluated, the SDK created, the session restored from the storage the
// benchmark seeded, as an app does on load. The result goes to the console as one line.
(() => {
  const t0 = performance.now();
  const params = new URLSearchParams(location.search);
  const script = document.createElement('script');
  script.src = '/sdk/index.umd.js';
  script.onload = () => {
    const glue = performance.now();
    const sdk = Descope({
      projectId: params.get('project'),
      baseUrl: location.origin,
      persistTokens: true,
      autoRefresh: true,
    });
    const constructed = performance.now();
    const token = sdk.getSessionToken();
    const authenticated = !!token && !sdk.isJwtExpired(token);
    const ready = performance.now();
    // The SDK has no separate initialisation: its build is ready once evaluated.
    console.log(
      `cold-start ${JSON.stringify({ glue: glue - t0, init: glue - t0, constructor: constructed - t0, ready: ready - t0, authenticated, token })}`,
    );
  };
  document.head.appendChild(script);
})();
