/**
 * Headless Chromium for the HTML report's tests: Debian's chromium (apt) driven by playwright-core, with the
 * flags it needs in a container (no sandbox, no GPU, no network services) and a fresh profile per launch.
 * Tests skip with `browserSkip` when /usr/bin/chromium is absent (.ci/run installs it).
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext } from "playwright-core";

export const chromiumPath = "/usr/bin/chromium";

/** Why the browser tests skip, or false when they can run. */
export const browserSkip: string | false = existsSync(chromiumPath)
  ? false
  : `${chromiumPath} is absent: install it (apt-get install -y chromium) to run the browser tests`;

/** A fresh headless Chromium context; `close()` also removes its profile. */
export async function launchBrowser(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const { chromium } = await import("playwright-core");
  const profile = mkdtempSync(join(tmpdir(), "linewise-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ], // playwright adds --user-data-dir=<profile> itself, from its first argument
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
