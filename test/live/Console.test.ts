/**
 * The operator console in a real browser (Debian's Chromium through playwright-core) against a real
 * `oneiric run` over 10,000 keys: the state it shows and how fast, changes from another process
 * without a reload, actions that gates obey within a second, the token flow, accessibility, no
 * console errors. Needs the build (`npm test` builds first). The screenshot goes to test-artifacts/.
 */
import AxeBuilder from "@axe-core/playwright"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
import type { BrowserContext, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ActivityStore } from "../../src/ActivityStore.js"
import { ActivityKey } from "../../src/Domain/ActivityKey.js"
import { tempDir } from "../helpers.js"
import { ARTIFACTS, launchBrowser, openConsole } from "./browser.js"
import { killRuns, startRun } from "./runProcess.js"
import type { Running } from "./runProcess.js"
import { eventually, oneiricAsync, startWorker } from "./worker.js"
import type { Worker } from "./worker.js"

const TOKEN = "console-admin-token-0123456789"
const KEYS = 10_000

/** 10,000 keys written through the store, as operators would have: pauses and drains with notes, and a wildcard rule. */
const seed = (cache: string) =>
  Effect.runPromise(Effect.gen(function*() {
    const store = yield* ActivityStore
    for (let i = 0; i < KEYS; i++) {
      const group = i % 2 === 0 ? "a" : "b"
      yield* store.transition({
        domain: i % 10 === 0 ? "event" : "task",
        key: ActivityKey.make(`bulk.${group}.k${String(i).padStart(5, "0")}`),
        action: i % 3 === 0 ? "drain" : "pause",
        actor: `seed-${i % 7}`,
        source: "api",
        note: `seeded key ${i}`
      })
    }
    yield* store.transition({ domain: "task", key: ActivityKey.make("bulk.b.*"), action: "pause", actor: "oncall", source: "cli", note: "b side frozen" })
  }).pipe(Effect.provide(ActivityStore.layerSqlite({ filename: path.join(cache, "domain_activity.sqlite") }))))

/** The row of `domain/key` in the keys table, once the key filter shows it. */
const rowOf = (page: Page, domainKey: string) => page.locator(`#key-rows tr[data-key="${domainKey}"]`)

const filterKeys = async (page: Page, text: string) => {
  await page.fill("#key-text", text)
  await expect.poll(() => page.textContent("#key-count")).toContain("match")
}

/** Evaluated in the page (the tests' TypeScript has no DOM types: Node code must not use them). */
const inPage = <A>(page: Page, expression: string) => page.evaluate<A>(expression)

/** When the key count (the state's first text) was painted, from Element Timing; and when the DOM held the state. */
const firstPaintOf = async (page: Page) => ({
  painted: await inPage<number>(page, `new Promise((resolve) => new PerformanceObserver((list) => resolve(list.getEntries()[0].renderTime)).observe({ type: "element", buffered: true }))`),
  inDom: await inPage<number>(page, `performance.getEntriesByName("oneiric:first-state")[0].startTime`),
  shell: await inPage<number>(page, `performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? -1`)
})

interface ActionFields {
  readonly action: "pause" | "drain" | "resume"
  readonly domain: string
  readonly key: string
  readonly note?: string
  readonly by: string
  readonly for?: string
}

/** Fills the action form and asks for the confirmation; returns its words. */
const review = async (page: Page, fields: ActionFields) => {
  await page.check(`#action-form input[name=action][value=${fields.action}]`)
  await page.selectOption("#act-domain", fields.domain)
  await page.fill("#act-key", fields.key)
  await page.fill("#act-note", fields.note ?? "")
  await page.fill("#act-for", fields.for ?? "")
  await page.fill("#act-by", fields.by)
  await page.click("#action-form button[type=submit]")
  await page.waitForSelector("#confirm[open]")
  return { title: await page.textContent("#confirm-title"), detail: await page.textContent("#confirm-detail") }
}

/** `review`, then confirm; also returns when it was confirmed. */
const act = async (page: Page, fields: ActionFields) => {
  const confirmation = await review(page, fields)
  const confirmedAt = Date.now()
  await page.click("#confirm-ok")
  return { ...confirmation, confirmedAt }
}

let cache: string
let run: Running
let browser: BrowserContext
let worker: Worker

beforeAll(async () => {
  cache = tempDir()
  await seed(cache)
  run = await startRun(cache, [], { ONEIRIC_ADMIN_TOKEN: TOKEN })
  worker = startWorker(cache)
  await worker.send({ op: "ready" })
  browser = await launchBrowser()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await worker?.stop()
  killRuns()
})

describe("the operator console in a browser", () => {
  it("shows the current state of 10,000 keys, accessibly, without console errors", async () => {
    // Three page loads in fresh tabs, each painting the state. How fast is a benchmark's question, not this
    // test's (`bench/console-paint.mjs`: the first paint against a second, on a machine nothing else loads);
    // the figures are printed.
    const loads: Array<{ painted: number; inDom: number; shell: number }> = []
    for (let i = 0; i < 3; i++) {
      const opened = await openConsole(browser, run.base)
      loads.push(await firstPaintOf(opened.page))
      expect(opened.errors).toEqual([])
      await opened.page.close()
    }
    const round = (values: ReadonlyArray<number>) => values.map(Math.round).join(", ")
    console.log(`console first paint at ${KEYS} keys, three loads (navigation start → the state painted): ${round(loads.map((l) => l.painted))} ms; ` +
      `the state in the DOM: ${round(loads.map((l) => l.inDom))} ms; the empty page painted: ${round(loads.map((l) => l.shell))} ms`)
    for (const { inDom, painted } of loads) {
      // The key count was painted (Element Timing saw it), after the state reached the DOM.
      expect(Number.isFinite(painted)).toBe(true)
      expect(painted).toBeGreaterThanOrEqual(inDom)
    }

    const { page, errors } = await openConsole(browser, run.base)

    // The first keys paint at once, the rest of the 10,000 follow.
    await expect.poll(() => page.textContent("#key-count")).toBe("10,000 keys")
    expect(await page.locator("#key-rows tr").count()).toBe(50)
    expect(await page.textContent("#page-label")).toBe("page 1 of 200")
    await page.click("#page-next")
    await expect.poll(() => page.textContent("#page-label")).toBe("page 2 of 200")
    expect(await page.locator("#key-rows tr").first().getAttribute("data-key")).toBe("event/bulk.a.k00500")
    await page.click("#page-prev")
    expect(await page.textContent("#connection")).toBe("live")
    expect(await page.textContent("#readiness")).toBe("ready")
    // By domain, then key: event/bulk.a.k00000 first.
    const first = page.locator("#key-rows tr").first()
    await expect.poll(() => first.getAttribute("data-key")).toBe("event/bulk.a.k00000")
    // Drained by its own row, paused by the rule over it (paused wins), with its own note's author.
    await filterKeys(page, "bulk.b.k00003")
    const ruled = rowOf(page, "task/bulk.b.k00003")
    expect(await ruled.textContent()).toMatch(/paused by rule bulk\.b\.\*b side frozen/)
    expect(await ruled.textContent()).toContain("seed-3")
    expect(await page.textContent("#rule-rows")).toMatch(/task\/bulk\.b\.\*.*paused.*b side frozen.*oncall.*5,000 keys/)
    // Instances: this server and the worker, both live.
    await expect.poll(async () => (await page.locator("#instance-rows tr").allTextContents()).join("|")).toMatch(/this server.*live.*\|.*live/)
    expect(await page.textContent("#timeline")).toContain("b side frozen")

    await page.fill("#key-text", "")
    const axe = await new AxeBuilder({ page }).analyze()
    const serious = axe.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
    expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`)).toEqual([])
    fs.mkdirSync(ARTIFACTS, { recursive: true })
    await page.screenshot({ path: path.join(ARTIFACTS, "console.png"), fullPage: true })
    expect(errors).toEqual([])
    await page.close()
  }, 60_000)

  it("a pause made by the CLI in another process appears within a second, without a reload", async () => {
    const { page, errors } = await openConsole(browser, run.base)
    await inPage(page, "window.sameDocument = true")
    await filterKeys(page, "cli.made")
    expect(await rowOf(page, "task/cli.made").count()).toBe(0)
    const cli = await oneiricAsync(cache, "pause", "--domain", "task", "--key", "cli.made", "--note", "from the terminal", "--by", "cli-op")
    expect(cli.code).toBe(0)
    const exitedAt = Date.now()
    await rowOf(page, "task/cli.made").waitFor({ timeout: 5_000 })
    const shownAfter = Date.now() - exitedAt
    console.log(`CLI pause on screen ${shownAfter} ms after the CLI exited`)
    expect(shownAfter).toBeLessThan(1_000)
    expect(await rowOf(page, "task/cli.made").textContent()).toMatch(/paused.*from the terminal.*cli-op.*cli/)
    expect(await inPage(page, `"sameDocument" in window`)).toBe(true)
    await page.fill("#history-actor", "cli-op")
    expect(await page.locator("#timeline li").first().textContent()).toMatch(/task\/cli\.made pause → paused by cli-op via cli/)
    expect(errors).toEqual([])
    await page.close()
  }, 60_000)

  it("pausing from the page makes a gate refuse within a second; a drain shows its progress live", async () => {
    const { page, errors } = await openConsole(browser, run.base)
    await inPage(page, `sessionStorage.setItem("oneiric.adminToken", ${JSON.stringify(TOKEN)})`)
    await page.reload()
    await page.waitForSelector("body[data-state=live]")
    await page.waitForSelector("#action-form:not([hidden])")
    expect(await worker.send({ op: "try", domain: "task", key: "gate.check" })).toMatchObject({ accepted: true })

    const pause = await act(page, { action: "pause", domain: "task", key: "gate.check", note: "page pause", by: "page-op" })
    expect(pause.title).toBe("Pause task/gate.check?")
    expect(pause.detail).toContain("Only this key.")
    const refusedAfter = await eventually(async () => (await worker.send({ op: "try", domain: "task", key: "gate.check" })).accepted === false, 5_000)
      .then(() => Date.now() - pause.confirmedAt)
    console.log(`gate in another process refused ${refusedAfter} ms after the page confirmed`)
    expect(refusedAfter).toBeLessThan(1_000)
    await expect.poll(() => page.textContent("#result")).toMatch(/^Paused task\/gate\.check by page-op\. Effective: paused/)

    // A wildcard's confirmation names how many stored keys it covers; cancelled, nothing is written.
    const wildcard = await review(page, { action: "drain", domain: "event", key: "bulk.*", by: "page-op" })
    expect(wildcard.title).toBe("Drain event/bulk.*?")
    expect(wildcard.detail).toContain("This wildcard rule covers 1,000 stored keys in event now")
    await page.click("#confirm-cancel")
    expect(await page.isVisible("#confirm")).toBe(false)
    expect(await worker.send({ op: "try", domain: "event", key: "bulk.x" })).toMatchObject({ accepted: true })

    // Live drain progress: work in flight in the worker (held until the test releases it), then done.
    expect(await worker.send({ op: "work", domain: "task", key: "drain.job", hold: "drain.job" })).toMatchObject({ accepted: true })
    await act(page, { action: "drain", domain: "task", key: "drain.job", note: "draining", by: "page-op" })
    await expect.poll(() => page.textContent("#drain-text"), { timeout: 5_000 }).toMatch(/^task\/drain\.job: 1 in flight on 2 live instance/)
    expect(await worker.send({ op: "release", hold: "drain.job" })).toMatchObject({ released: true })
    await expect.poll(() => page.textContent("#drain-text"), { timeout: 10_000 }).toMatch(/^task\/drain\.job is drained: nothing in flight on 2 live instance/)
    expect(await worker.send({ op: "try", domain: "task", key: "drain.job" })).toMatchObject({ accepted: false, state: "draining" })
    expect(errors).toEqual([])
    await page.close()
  }, 60_000)

  it("the token flow: read-only without it, 401 on a wrong one, kept for the tab only", async () => {
    const { page, errors } = await openConsole(browser, run.base)
    expect(await page.isVisible("#action-form")).toBe(false)
    expect(await page.textContent("#access")).toBe("read-only")
    expect(await page.textContent("#act-closed")).toContain("Enter the admin token")
    const unauthenticated = await page.evaluate(async () =>
      (await fetch("/api/transitions", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ action: "pause", domain: "task", key: "x" }) })).status
    )
    expect(unauthenticated).toBe(401)

    await page.click("#unlock")
    await page.fill("#token-input", "not-the-admin-token-at-all")
    await page.click("#token-form button[type=submit]")
    await expect.poll(() => page.textContent("#token-error")).toMatch(/^Wrong token \(401\)/)
    expect(await page.isVisible("#action-form")).toBe(false)
    expect(await inPage(page, `sessionStorage.getItem("oneiric.adminToken")`)).toBeNull()

    await page.fill("#token-input", TOKEN)
    await page.click("#token-form button[type=submit]")
    await page.waitForSelector("#action-form:not([hidden])")
    expect(await page.textContent("#access")).toBe("actions enabled")
    await page.reload()
    await page.waitForSelector("#action-form:not([hidden])")
    // A new tab starts without it.
    const other = await openConsole(browser, run.base)
    expect(await other.page.isVisible("#action-form")).toBe(false)
    expect(other.errors).toEqual([])
    // The wrong token's 401s are the only errors the browser logged.
    expect(errors.filter((e) => !/status of 401/.test(e))).toEqual([])
    await other.page.close()
    await page.close()
  }, 60_000)

  it("off loopback the page shows nothing before the token; without a token configured it is read-only (403)", async () => {
    const publicCache = tempDir()
    const exposed = await startRun(publicCache, ["--host", "0.0.0.0"], { ONEIRIC_ADMIN_TOKEN: TOKEN })
    const base = exposed.base.replace("0.0.0.0", "127.0.0.1")
    const locked = await openConsole(browser, base, { waitLive: false })
    await locked.page.waitForSelector("#token-panel:not([hidden])")
    expect(await locked.page.textContent("#connection")).toMatch(/^locked/)
    expect(await locked.page.locator("#key-rows tr").count()).toBe(0)
    await locked.page.fill("#token-input", TOKEN)
    await locked.page.click("#token-form button[type=submit]")
    await locked.page.waitForSelector("body[data-state=live]")
    expect(await locked.page.textContent("#connection")).toBe("live")
    expect(locked.errors).toEqual([])
    await locked.page.close()

    const closed = await startRun(tempDir())
    const readOnly = await openConsole(browser, closed.base)
    expect(await readOnly.page.textContent("#access")).toBe("read-only: no admin token configured")
    expect(await readOnly.page.isVisible("#unlock")).toBe(false)
    const status = await readOnly.page.evaluate(async (token) =>
      (await fetch("/api/transitions", { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: "{}" })).status, TOKEN)
    expect(status).toBe(403)
    expect(readOnly.errors.filter((e) => !/status of 403/.test(e))).toEqual([])
    await readOnly.page.close()
  }, 60_000)
})
