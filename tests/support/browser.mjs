// Launches the system Chromium headless through playwright-core (no downloaded browsers).

import { chromium } from 'playwright-core';

const DEFAULT_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
];

/**
 * `chromium.launch` with `$CHROMIUM_BIN` (default `/usr/bin/chromium`), headless, and the flags
 * above; `options` are merged in (its `args` are added to the defaults).
 */
export async function launchBrowser(options = {}) {
  const { args = [], ...rest } = options;
  return chromium.launch({
    executablePath: process.env.CHROMIUM_BIN || '/usr/bin/chromium',
    headless: true,
    ...rest,
    args: [...DEFAULT_ARGS, ...args],
  });
}
