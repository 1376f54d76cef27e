// Shared by the demo tests: a devserver serving the demo (www/) and the package (pkg/), headless
// Chromium, and screenshots saved under tests/artifacts/ (git-ignored) at desktop and phone size.

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { startDevserverAndBrowser } from '../support/world.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ARTIFACTS = path.join(repoRoot, 'tests', 'artifacts');

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/** A devserver with the demo at `/` and the package at `/pkg/`, plus a headless Chromium. */
export function startDemo(extraArgs = []) {
  return startDevserverAndBrowser({ args: ['--www', 'www', '--pkg', 'pkg', ...extraArgs] });
}

/**
 * Opens the demo for `project` in a new page of `context` and waits until it has started.
 * Page errors and console errors are collected in `page.problems`.
 */
export async function openDemo(context, url, project, { viewport = DESKTOP } = {}) {
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  page.problems = [];
  page.on('pageerror', (error) => page.problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    // A refused request is logged by the browser; the demo shows it in its timeline instead.
    if (message.type() === 'error' && !/Failed to load resource/.test(message.text())) {
      page.problems.push(`console: ${message.text()}`);
    }
  });
  await page.goto(`${url}/?project=${encodeURIComponent(project)}`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
  return page;
}

/** Saves `<name>-desktop.png` and `<name>-phone.png` (full page), then restores the viewport. */
export async function screenshots(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const before = page.viewportSize();
  for (const [label, size] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    await page.setViewportSize(size);
    await page.waitForTimeout(150); // let the layout settle
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}-${label}.png`), fullPage: true });
  }
  if (before) await page.setViewportSize(before);
}

/** The texts of the timeline events of `kind` (newest first). */
export function events(page, kind) {
  return page.$$eval(`#timeline .ev-${kind} .ev-text`, (items) => items.map((i) => i.textContent));
}

/** Waits until the timeline has at least `count` events of `kind`. */
export async function waitForEvents(page, kind, count = 1, timeout = 15_000) {
  await page.waitForFunction(
    ([k, n]) => document.querySelectorAll(`#timeline .ev-${k}`).length >= n,
    [kind, count],
    { timeout },
  );
}

/** Everything the page shows as text, for checks that no whole token is on screen. */
export function visibleText(page) {
  return page.evaluate(() => document.body.innerText);
}
