// Starts the devserver for a Node test and wraps its test-control API.
//
//   const server = await startDevserver({ args: ['--refresh-cookie'] });
//   await server.control.fault({ path: '/v1/auth/refresh', status: 503 });
//   ...
//   await server.stop();

import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const STARTUP_TIMEOUT_MS = 20_000;
const FIRST_LINE = /^devserver listening on (http:\/\/\S+:(\d+))$/;

// Children still running when this process ends are killed with it.
const running = new Set();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    for (const child of running) child.kill('SIGKILL');
    process.kill(process.pid, signal);
  });
}

/**
 * Spawns `target/debug/devserver --port 0 --control ...args` (or `$DEVSERVER_BIN`) from the
 * repository root and resolves once it listens.
 * @returns {Promise<{ url: string, port: number, control: ReturnType<typeof controlClient>, stop: () => Promise<void> }>}
 */
export async function startDevserver({ args = [], env = {} } = {}) {
  const bin = process.env.DEVSERVER_BIN || path.join(repoRoot, 'target', 'debug', 'devserver');
  const child = spawn(bin, ['--port', '0', '--control', ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  exited.then(() => running.delete(child));

  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });

  let url;
  let port;
  try {
    [url, port] = await firstLine(child, exited, () => stderr);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  // Nothing more is expected on stdout, but keep the pipe drained; and let Node exit even if a
  // test forgets stop() (the exit hook above still kills the child).
  child.stdout.resume();
  child.unref();
  child.stdout.unref?.();
  child.stderr.unref?.();

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.ref(); // keep Node alive until the exit is seen
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(force);
    }
  };
  return { url, port, control: controlClient(url), stop };
}

function firstLine(child, exited, stderr) {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(
      () => reject(new Error(`devserver did not start within ${STARTUP_TIMEOUT_MS} ms\n${stderr()}`)),
      STARTUP_TIMEOUT_MS,
    );
    const done = (fn, value) => {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      fn(value);
    };
    const onData = (chunk) => {
      buffered += chunk;
      const newline = buffered.indexOf('\n');
      if (newline < 0) return;
      const match = FIRST_LINE.exec(buffered.slice(0, newline).trim());
      if (match) done(resolve, [match[1], Number(match[2])]);
      else done(reject, new Error(`unexpected devserver output: ${buffered.slice(0, newline)}`));
    };
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', onData);
    child.once('error', (error) => done(reject, error));
    exited.then((code) =>
      done(reject, new Error(`devserver exited (${code}) before listening\n${stderr()}`)),
    );
  });
}

/** The `/__control/` API of the devserver at `url`; every method throws on a non-2xx answer. */
export function controlClient(url) {
  const call = async (method, route, body) => {
    const init = { method };
    if (body !== undefined) {
      init.headers = { 'content-type': 'application/json' };
      init.body = JSON.stringify(body);
    }
    const response = await fetch(`${url}/__control/${route}`, init);
    const text = await response.text();
    if (!response.ok) {
      throw new Error(`devserver control ${method} /__control/${route}: ${response.status} ${text}`);
    }
    return text ? JSON.parse(text) : undefined;
  };
  return {
    /** Forgets every token, session, fault, log entry, counter and project override. */
    reset: () => call('POST', 'reset'),
    /** Per-project override of the flags; resolves the effective config. */
    project: (projectId, config = {}) =>
      call('PUT', `projects/${encodeURIComponent(projectId)}`, config),
    /** Queues `{ path, count?, status?, delayMs?, body?, retryAfter?, project? }`. */
    fault: (spec) => call('POST', 'faults', spec),
    clearFaults: () => call('DELETE', 'faults'),
    /** `[{ seq, at, method, path, project, status, tokenJti, origin }]`; query `{ project?, path? }`. */
    log: (query) => call('GET', `log${queryString(query)}`),
    /** `{ [path]: { total, byStatus } }`; query `{ project? }`. */
    counters: (query) => call('GET', `counters${queryString(query)}`),
    /** `{ totp, email }` of a Rocket.Chat user. */
    twoFactor: (user) => call('GET', `2fa/${encodeURIComponent(user)}`),
  };
}

function queryString(query) {
  if (query === undefined || query === null) return '';
  if (typeof query === 'string') return query ? `?${query.replace(/^\?/, '')}` : '';
  const entries = query instanceof URLSearchParams ? [...query] : Object.entries(query);
  const params = new URLSearchParams(
    entries.filter(([, v]) => v !== undefined && v !== null).map(([k, v]) => [k, String(v)]),
  );
  const text = params.toString();
  return text ? `?${text}` : '';
}
