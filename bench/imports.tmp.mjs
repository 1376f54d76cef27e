import { launchBrowser } from '../tests/support/browser.mjs';
import { startDevserver } from '../tests/support/devserver.mjs';
const server = await startDevserver({ args: ['--pkg', 'pkg', '--static', '/bench/=bench/page'] });
const browser = await launchBrowser();
const project = `Pimp${Date.now().toString(36)}`;
await server.control.project(project, { nextRefreshSeconds: 3600, sessionTtl: 3600 });
const r = await fetch(`${server.url}/v1/auth/password/signin`, { method: 'POST', headers: { authorization: `Bearer ${project}`, 'content-type': 'application/json' }, body: JSON.stringify({ loginId: `p${Date.now()}@example.com`, password: 'pw-12345' }) });
const tokens = await r.json();
for (let i = 0; i < 3; i++) {
  const context = await browser.newContext();
  await context.addInitScript(([ds, dsr]) => { localStorage.setItem('DS', ds); localStorage.setItem('DSR', dsr); }, [tokens.sessionJwt, tokens.refreshJwt]);
  const tab = await context.newPage();
  const line = new Promise((res) => tab.on('console', (m) => { if (m.text().startsWith('cold-start ')) res(JSON.parse(m.text().slice(11))); }));
  await tab.goto(`${server.url}/bench/imports.tmp.html?project=${project}`);
  const result = await line;
  if (i === 2) { console.log(result.construct, result.calls); for (const l of result.top) console.log(l); }
  await context.close();
}
await browser.close(); await server.stop();
