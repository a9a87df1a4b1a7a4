/**
 * A real browser for the console tests: Debian's Chromium driven by playwright-core (`.ci/run`
 * installs it with apt when it is missing; `npx playwright install` cannot download here). A fresh
 * profile per launch, and the flags without which headless Chromium refuses connections in bursts.
 */
import * as fs from "node:fs"
import { fileURLToPath } from "node:url"
import { chromium } from "playwright-core"
import type { BrowserContext, ConsoleMessage, Page } from "playwright-core"
import { tempDir } from "../helpers.js"

export const CHROMIUM = process.env["ONEIRIC_TEST_CHROMIUM"] ?? "/usr/bin/chromium"

/** Where screenshots are kept (gitignored; CI keeps it as an artifact). */
export const ARTIFACTS = fileURLToPath(new URL("../../test-artifacts", import.meta.url))

export const launchBrowser = async (): Promise<BrowserContext> => {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: install it (apt-get install -y chromium; .ci/run does) or set ONEIRIC_TEST_CHROMIUM`)
  }
  return chromium.launchPersistentContext(tempDir("oneiric-chromium-"), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 1000 },
    args: [
      ...(process.getuid?.() === 0 ? ["--no-sandbox"] : []),
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync"
    ]
  })
}

/** Every console error and uncaught exception of a page (a CSP violation is a console error). */
export const collectErrors = (page: Page): Array<string> => {
  const errors: Array<string> = []
  page.on("console", (message: ConsoleMessage) => {
    if (message.type() === "error") errors.push(`console: ${message.text()}`)
  })
  page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`))
  return errors
}

/** Opens the console in a new tab (empty session storage) and waits for its first state on screen. */
export const openConsole = async (context: BrowserContext, base: string, options: { readonly waitLive?: boolean } = {}) => {
  const page = await context.newPage()
  const errors = collectErrors(page)
  await page.goto(`${base}/`)
  if (options.waitLive !== false) await page.waitForSelector("body[data-state=live]", { timeout: 15_000 })
  return { page, errors }
}
