/**
 * SIGKILL of the snapshot writer (`oneiric run`, rewriting runtime_health.json every 5 ms): a reader polling
 * the file never sees a torn or half snapshot, before or after the kill; the probe says not ready (exit 3, the
 * pid is gone) as soon as the writer is dead; temporary files a killed writer left are removed when the next
 * `run` starts, and it writes a fresh snapshot. Normal suite: 3 kills; `npm run test:soak`: 30.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { tempDir } from "../helpers.js"
import { killRuns, startRun } from "../live/runProcess.js"
import { seededRandom } from "../seeded.js"
import { cli, eventually, SOAK } from "./processes.js"

afterEach(killRuns)

const TEMP = /^\.runtime_health\.json\.(\d+)\.[0-9a-f]{16}\.tmp$/

describe("SIGKILL of the snapshot writer", () => {
  const kills = SOAK ? 30 : 3
  it(`${kills} kills: never a torn snapshot; not ready once dead; a dead writer's temp files removed at the next start`, async () => {
    const cache = tempDir()
    const file = path.join(cache, "runtime_health.json")
    const random = seededRandom(7)
    let reads = 0
    let torn = 0
    const seenTemps = new Set<string>()
    const read = () => {
      try {
        const text = fs.readFileSync(file, "utf8")
        const snapshot = JSON.parse(text) as { updated_at?: unknown; orchestrator_pid?: unknown }
        if (typeof snapshot.updated_at !== "string" || !("orchestrator_pid" in snapshot)) torn++
        reads++
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") torn++
      }
    }
    for (let kill = 0; kill < kills; kill++) {
      const run = await startRun(cache, ["--demo", "--health-interval", "5ms"])
      const pid = run.child.pid!
      // The previous writers' temp files are gone once this one has started.
      await eventually(async () => fs.existsSync(file) && JSON.parse(fs.readFileSync(file, "utf8")).orchestrator_pid === pid, 10_000)
      const left = fs.readdirSync(cache).filter((n) => TEMP.test(n) && Number(TEMP.exec(n)![1]) !== pid)
      expect(left).toEqual([])
      expect(cli(["--cache-dir", cache, "health", "--probe", "--max-age", "10s"])).toMatchObject({ code: 0, stderr: "" })
      const until = performance.now() + 200 + random() * 400
      while (performance.now() < until) {
        read()
        await new Promise((r) => setImmediate(r))
      }
      run.child.kill("SIGKILL")
      await run.exited
      for (const name of fs.readdirSync(cache)) if (TEMP.test(name)) seenTemps.add(name)
      for (let i = 0; i < 200; i++) read()
      // Dead: the probe says so (the file still names the pid).
      const probe = cli(["--cache-dir", cache, "health", "--probe", "--max-age", "10s"])
      expect(probe.code).toBe(3)
      expect(probe.stderr).toMatch(new RegExp(`^oneiric: not ready: .*orchestrator pid ${pid} is not running`))
    }
    expect(torn).toBe(0)
    expect(reads).toBeGreaterThan(kills * 100)
    // The last run's leftovers, too, go at the next start.
    const last = await startRun(cache)
    await eventually(async () => JSON.parse(fs.readFileSync(file, "utf8")).orchestrator_pid === last.child.pid, 10_000)
    expect(fs.readdirSync(cache).filter((n) => TEMP.test(n) && Number(TEMP.exec(n)![1]) !== last.child.pid)).toEqual([])
    last.child.kill("SIGTERM")
    expect(await last.exited).toBe(0)
    console.info(`snapshot: ${kills} writer kills, ${reads} reads, ${torn} torn, ${seenTemps.size} temp file(s) left by a kill and removed at the next start`)
  }, SOAK ? 900_000 : 120_000)
})
