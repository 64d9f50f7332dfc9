// Debian's chromium driven by playwright-core (never a downloaded browser), serving the repo's
// dist/, build/, test/pages/ and web/ from the project's own static server.
import { chromium, type Browser, type Page } from "playwright-core";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startStaticServer, type RunningServer } from "../../src/serve.js";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--disable-quic",
];
const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

export interface BrowserSession {
  browser: Browser;
  server: RunningServer;
  page(path: string): Promise<Page>;
  close(): Promise<void>;
}

export async function openBrowser(): Promise<BrowserSession> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH`);
  const server = await startStaticServer({ root: ROOT, allow: ["dist", "build", "test", "web"] });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  return {
    browser,
    server,
    async page(path: string) {
      const page = await browser.newPage();
      page.on("pageerror", (e) => console.error(`[page] ${e.message}`));
      await page.goto(server.url + path);
      return page;
    },
    async close() {
      await browser.close();
      await server.close();
    },
  };
}
