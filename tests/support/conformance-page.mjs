// Runs in the browser: what the conformance pages (tests/conformance/page/, which import it from
// /support/) share. The official @descope/web-js-sdk at `window.sdk`, from the global `Descope`
// of its UMD build, driven by calls that return plain data; and what the origin stored.

// SdkResponse holds a fetch Response, which cannot leave the page: keep the plain parts.
const plain = (r) => ({ ok: r.ok, code: r.code, data: r.data, error: r.error });

/** A fresh SDK instance at window.sdk (no timers of its own). */
export function createSdk(options) {
  window.sdk = Descope({ persistTokens: true, autoRefresh: false, ...options });
  return typeof window.sdk.refresh === 'function';
}

/** Calls sdk.<path>(...args), e.g. sdkCall('password.signIn', 'a@b.c', 'pw'). */
export async function sdkCall(path, ...args) {
  const names = path.split('.');
  const method = names.pop();
  const owner = names.reduce((o, n) => o[n], window.sdk);
  return plain(await owner[method](...args));
}

/** Every key of localStorage with its value. */
export const storage = () =>
  Object.fromEntries(Object.keys(localStorage).map((k) => [k, localStorage.getItem(k)]));

export const cookies = () => document.cookie;
