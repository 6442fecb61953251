import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';
import { onTestFinished } from 'vitest';
import { chromiumProgram } from './chromium-binary.js';

/**
 * The system's Chromium or npm's (chromium-binary.ts), driven by playwright-core.
 *
 * Chromium makes its own temp files (.org.chromium.Chromium.XXXXXX) and one closed mid-write
 * leaves them behind, which CI counts as a leak: it gets a temp directory of its own (TMPDIR),
 * removed once the browser is gone.
 */
export async function launchChromium(): Promise<Browser> {
  const program = await chromiumProgram();
  const browserTmp = mkdtempSync(join(tmpdir(), 'backup-alert-chromium-'));
  const removeBrowserTmp = () => rmSync(browserTmp, { recursive: true, force: true });
  let browser: Browser;
  try {
    browser = await launch(program, browserTmp);
  } catch (error) {
    removeBrowserTmp();
    throw error;
  }
  browser.on('disconnected', removeBrowserTmp);
  const close = browser.close.bind(browser);
  browser.close = async (options) => {
    try {
      await close(options);
    } finally {
      removeBrowserTmp();
    }
  };
  return browser;
}

function launch(program: Awaited<ReturnType<typeof chromiumProgram>>, browserTmp: string): Promise<Browser> {
  return chromium.launch({
    executablePath: program.executablePath,
    env: { ...program.env, TMPDIR: browserTmp },
    // We run as root in CI: Chromium's sandbox needs an unprivileged user.
    args: [
      '--no-sandbox',
      '--headless=new',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    timeout: 30_000,
  });
}

export interface Watched {
  context: BrowserContext;
  requests: string[];
  dialogs: string[];
  consoleErrors: string[];
}

/**
 * A fresh profile logged in the way a person is (Basic, token as password), watching every
 * request, dialog and console error; closed when the test finishes.
 */
export async function openWatched(
  browser: Browser,
  token: string,
  options: { javaScriptEnabled?: boolean; viewport?: { width: number; height: number } } = {},
): Promise<Watched> {
  const context = await browser.newContext({
    httpCredentials: { username: 'ops', password: token },
    javaScriptEnabled: options.javaScriptEnabled ?? true,
    viewport: options.viewport ?? { width: 1280, height: 900 },
  });
  onTestFinished(() => context.close());
  const watched: Watched = { context, requests: [], dialogs: [], consoleErrors: [] };
  context.on('request', (request) => watched.requests.push(request.url()));
  context.on('page', (page) => {
    page.on('dialog', (dialog) => {
      watched.dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('console', (message) => {
      if (message.type() === 'error') watched.consoleErrors.push(message.text());
    });
  });
  return watched;
}

/** The computed background colour of the first match (the page runs it; no DOM types here). */
export function backgroundOf(locator: {
  evaluate: <R>(fn: (el: unknown) => R) => Promise<R>;
}): Promise<string> {
  return locator.evaluate(
    (el) =>
      (
        globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }
      ).getComputedStyle(el).backgroundColor,
  );
}
