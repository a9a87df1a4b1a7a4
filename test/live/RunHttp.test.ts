/**
 * The HTTP edge of a real `oneiric run`: a port in use is one typed line and exit 2; the admin token
 * from a settings-named file opens the write API (what supervisor-info says about it, never the value);
 * an unusable token stops the start; an open event stream does not hold up the shutdown.
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { tempDir } from "../helpers.js"
import { killRuns, startRun } from "./runProcess.js"
import { BIN, oneiric, oneiricAsync } from "./worker.js"

afterEach(killRuns)

const TOKEN = "file-admin-token-0123456789"

/** `run` with extra environment, to its end (these fail before they listen). */
const runWith = (cache: string, env: Record<string, string>) =>
  new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, "--cache-dir", cache, "run", "--port", "0"], { env: { ...process.env, ...env } })
    let stderr = ""
    child.stderr.on("data", (c) => (stderr += c))
    child.on("close", (code) => resolve({ code, stderr }))
  })

describe("oneiric run: HTTP", () => {
  it("a port in use: one line naming host and port, exit 2 (invalid usage)", async () => {
    const holder = net.createServer()
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve))
    const port = (holder.address() as net.AddressInfo).port
    try {
      const cache = tempDir()
      const plain = await oneiricAsync(cache, "run", "--port", String(port))
      expect(plain.code).toBe(2)
      expect(plain.stderr.trim().split("\n").filter((l) => l.startsWith("oneiric:"))).toEqual([
        `oneiric: cannot listen on 127.0.0.1:${port}: port ${port} is already in use on 127.0.0.1 (choose another with --port, or stop what holds it)`
      ])
    } finally {
      holder.close()
    }
  }, 30_000)

  it("the admin token from a file named in settings opens the write API; supervisor-info shows where it is, never its value", async () => {
    const cache = tempDir()
    const tokenFile = path.join(cache, "admin-token")
    fs.writeFileSync(tokenFile, `${TOKEN}\n`)
    const settings = path.join(cache, "settings.toml")
    fs.writeFileSync(settings, `[runtime.http]\nadmin_token_file = "${tokenFile}"\n`)
    const info = oneiric(cache, "--config", settings, "supervisor-info")
    expect(info.stdout).toMatch(new RegExp(`admin_token\\s+set \\(file ${tokenFile}, decided by settings\\)`))
    expect(info.stdout).not.toContain(TOKEN)
    const json = oneiric(cache, "--config", settings, "supervisor-info", "--json")
    expect(JSON.parse(json.stdout).http_access).toEqual({ admin_token: { from: "file", file: tokenFile }, reads: "auto" })
    expect(json.stdout).not.toContain(TOKEN)

    const run = await startRun(cache, [], { ONEIRIC_CONFIG: settings })
    const post = (authorization?: string) =>
      fetch(`${run.base}/api/transitions`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
        body: JSON.stringify({ action: "pause", domain: "task", key: "from.http", by: "ops" })
      })
    expect((await post()).status).toBe(401)
    expect((await post(`Bearer ${TOKEN}`)).status).toBe(200)
    const history = JSON.parse(oneiric(cache, "activity", "--history", "--json").stdout).history
    expect(history).toEqual([expect.objectContaining({ key: "from.http", actor: "ops", source: "http" })])
    expect(run.log()).not.toContain(TOKEN)
  }, 30_000)

  it("a configured token that cannot be used stops the start with exit 2", async () => {
    const cache = tempDir()
    const tooShort = await runWith(cache, { ONEIRIC_ADMIN_TOKEN: "short" })
    expect(tooShort.code).toBe(2)
    expect(tooShort.stderr).toMatch(/^oneiric: the ONEIRIC_ADMIN_TOKEN is too short: an admin token needs at least 16 characters$/m)
    expect(tooShort.stderr).not.toMatch(/short"/)
    const missing = await runWith(cache, { ONEIRIC_ADMIN_TOKEN_FILE: path.join(cache, "nope") })
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/^oneiric: cannot read the admin token file .*nope: /m)
  }, 30_000)

  it("an open event stream does not hold up the shutdown", async () => {
    const cache = tempDir()
    const run = await startRun(cache)
    const controller = new AbortController()
    const stream = await fetch(`${run.base}/events`, { signal: controller.signal })
    const reader = stream.body!.getReader()
    expect(new TextDecoder().decode((await reader.read()).value)).toContain("retry:")
    const ended = (async () => {
      while (!(await reader.read().catch(() => ({ done: true }))).done) { /* drain */ }
      return true
    })()
    const stoppedAt = Date.now()
    run.child.kill("SIGTERM")
    expect(await run.exited).toBe(0)
    expect(Date.now() - stoppedAt).toBeLessThan(5_000)
    expect(await ended).toBe(true)
    controller.abort()
  }, 30_000)
})
