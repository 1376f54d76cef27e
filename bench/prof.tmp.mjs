import { launchBrowser } from '../tests/support/browser.mjs';
import { startDevserver } from '../tests/support/devserver.mjs';
const pkgDir = process.argv[2] || 'pkg';
const server = await startDevserver({ args: ['--pkg', pkgDir, '--static', '/bench/=bench/page'] });
const browser = await launchBrowser({ args: process.env.JSF ? [`--js-flags=${process.env.JSF}`] : [] });
const project = `Pprof${Date.now().toString(36)}`;
await server.control.project(project, { nextRefreshSeconds: 3600, sessionTtl: 3600 });
const r = await fetch(`${server.url}/v1/auth/password/signin`, { method: 'POST', headers: { authorization: `Bearer ${project}`, 'content-type': 'application/json' }, body: JSON.stringify({ loginId: `p${Date.now()}@example.com`, password: 'pw-12345' }) });
const tokens = await r.json();
const agg = new Map(); let total = 0;
for (let i = 0; i < 8; i++) {
  const context = await browser.newContext();
  await context.addInitScript(([ds, dsr]) => { localStorage.setItem('DS', ds); localStorage.setItem('DSR', dsr); }, [tokens.sessionJwt, tokens.refreshJwt]);
  const tab = await context.newPage();
  const cdp = await context.newCDPSession(tab);
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 50 });
  await cdp.send('Profiler.start');
  const line = new Promise((res) => tab.on('console', (m) => { if (m.text().startsWith('cold-start ')) res(JSON.parse(m.text().slice(11))); }));
  await tab.goto(`${server.url}/bench/${process.env.PAGE || "cold-sk.html"}?project=${project}`);
  const result = await line;
  const { profile } = await cdp.send('Profiler.stop');
  if (i === 0) { await context.close(); continue; }
  const { token, ...rest } = result; console.log(JSON.stringify(rest));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const under = (id) => { for (let x = id; x !== undefined; x = parent.get(x)) { if (byId.get(x).callFrame.functionName === (process.env.ROOT || 'SessionManager')) return true; } return false; };
  const dt = profile.timeDeltas;
  profile.samples.forEach((id, k) => {
    if (!under(id)) return;
    const n = byId.get(id); const f = n.callFrame;
    const key = `${f.functionName || '(anon)'} ${f.url.split('/').pop()}`;
    agg.set(key, (agg.get(key) || 0) + (dt[k + 1] ?? 0) / 1000);
    total += (dt[k + 1] ?? 0) / 1000;
  });
  await context.close();
}
await browser.close(); await server.stop();
const top = [...agg].sort((a, b) => b[1] - a[1]).slice(0, 40);
for (const [k, v] of top) console.log((v / 7).toFixed(2).padStart(7), k.slice(0, 150));
