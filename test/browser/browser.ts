import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/**
 * Debian's chromium driven by playwright-core (no browser download). Missing chromium skips the browser
 * tests with a plain message, unless ANFU_TEST_REQUIRE_BROWSER=1 (CI), where it is a failure.
 */
export const CHROMIUM = process.env.ANFU_CHROMIUM ?? '/usr/bin/chromium';
export const BROWSER_AVAILABLE = existsSync(CHROMIUM);
export const SCREENSHOT_DIR = join(import.meta.dirname, '..', '..', 'test-artifacts', 'screenshots');

export function browserSkipReason(): string | null {
  if (BROWSER_AVAILABLE) return null;
  const msg = `browser tests: ${CHROMIUM} not found (apt-get install chromium fonts-noto-cjk)`;
  if (process.env.ANFU_TEST_REQUIRE_BROWSER === '1') throw new Error(`${msg}, and ANFU_TEST_REQUIRE_BROWSER=1`);
  console.warn(`${msg}: skipped`);
  return msg;
}

export interface RunningBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A fresh profile per run; the flags keep Chromium from calling home or hanging on first run. */
export async function launchBrowser(): Promise<RunningBrowser> {
  const profile = await mkdtemp(join(tmpdir(), 'anfu-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    locale: 'zh-CN',
    viewport: { width: 1280, height: 860 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  // Runs before any page script and outside the page's CSP: records every violation the page causes.
  await context.addInitScript({
    content: `window.__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));`,
  });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Console messages that report a CSP refusal, plus violations seen by the page itself. */
export function watchCsp(page: Page): () => Promise<string[]> {
  const fromConsole: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to (load|execute|apply)/i.test(m.text())) fromConsole.push(m.text());
  });
  return async () => [...fromConsole, ...((await page.evaluate('window.__cspViolations || []')) as string[])];
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}
