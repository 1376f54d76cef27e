// Benchmark: the wasm memory of a page that runs 10,000 refresh() cycles, subscribing and
// unsubscribing an event callback each cycle. It must not grow after warm-up.
//
//   ./scripts/build-pkg.sh && cargo build -p devserver && node bench/memory.mjs [--cycles 10000]

import { launchBrowser } from '../tests/support/browser.mjs';
import { startDevserver } from '../tests/support/devserver.mjs';

const at = process.argv.indexOf('--cycles');
const CYCLES = at === -1 ? 10_000 : Number(process.argv[at + 1]);
const WARMUP = Math.min(1_000, Math.floor(CYCLES / 10));

const server = await startDevserver({ args: ['--pkg', 'pkg', '--static', '/bench/=bench/page'] });
const browser = await launchBrowser();
const context = await browser.newContext();
const page = await context.newPage();
await page.goto(`${server.url}/bench/memory.html`);
await page.waitForFunction(() => window.ready === true);
const project = `Pmem${Date.now().toString(36)}`;
const started = Date.now();
const sizes = await page.evaluate(
  ([p, l, c, w]) => window.bench.run(p, l, c, w),
  [project, `mem${Date.now()}@example.com`, CYCLES, WARMUP],
);
const took = (Date.now() - started) / 1000;
await browser.close();
await server.stop();

const kib = (b) => `${(b / 1024).toFixed(0)} KiB`;
console.log(`${CYCLES} refresh() cycles with subscribe/unsubscribe, ${took.toFixed(1)} s`);
console.log(`wasm memory: start ${kib(sizes.start)}, after ${WARMUP} cycles ${kib(sizes.warm)}, after ${CYCLES} ${kib(sizes.end)}`);
console.log(`token events seen ${sizes.events}, still signed in: ${sizes.authenticated}`);
console.log(sizes.end <= sizes.warm ? 'no growth after warm-up' : `GREW by ${kib(sizes.end - sizes.warm)} after warm-up`);
if (sizes.end > sizes.warm || !sizes.authenticated) process.exitCode = 1;
