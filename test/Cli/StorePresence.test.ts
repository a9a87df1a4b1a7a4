/** Read commands never create the store: from the wrong directory they say so instead of "all clear". */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as fs from "node:fs"
import * as path from "node:path"
import { ActivityReport, HistoryReport } from "../../src/Domain/Report.js"
import { parsed, runCli } from "../cliHarness.js"
import { tempDir } from "../helpers.js"

describe("no store at the path", () => {
  it.live("activity, activity --history, health and supervisor-info create nothing, exit 0, and say where they looked", () =>
    Effect.gen(function*() {
      const parent = tempDir()
      const cache = path.join(parent, "not-here")
      const store = path.join(cache, "domain_activity.sqlite")

      const human = yield* runCli("--cache-dir", cache, "activity")
      expect(human.code).toBe(0)
      expect(human.stdout).toContain(`No activity store at ${store}, so nothing is paused, draining or noted there.`)
      expect(human.stdout).toContain("--cache-dir DIR, ONEIRIC_CACHE_DIR=DIR")
      expect(human.stdout).not.toContain("Every key is accepting work")

      const json = yield* runCli("--cache-dir", cache, "activity", "--json", "--domain", "task", "--state", "paused")
      expect(json.code).toBe(0)
      expect(parsed(json)).toEqual({ store: `sqlite:${store}`, store_present: false, domains: {}, totals: { paused: 0, draining: 0, note_only: 0, entries: 0 } })
      Schema.decodeUnknownSync(ActivityReport)(parsed(json))

      const history = yield* runCli("--cache-dir", cache, "activity", "--history", "--json")
      expect(parsed(history)).toEqual({ store: `sqlite:${store}`, store_present: false, history: [] })
      Schema.decodeUnknownSync(HistoryReport)(parsed(history))
      expect((yield* runCli("--cache-dir", cache, "activity", "--history")).stdout).toContain("so there is no history there")

      const health = yield* runCli("--cache-dir", cache, "health")
      expect(health.code).toBe(0)
      expect(health.stdout).toContain(`no health snapshot at ${path.join(cache, "runtime_health.json")}`)
      expect(health.stdout).toContain("Point at its snapshot with --health-path FILE")

      const info = yield* runCli("--cache-dir", cache, "supervisor-info")
      expect(info.code).toBe(0)
      expect(info.stdout).toMatch(new RegExp(`activity_store\\s+${store.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} \\(sqlite; decided by option; no store there yet\\)`))

      expect(fs.existsSync(cache)).toBe(false)
      expect(fs.readdirSync(parent)).toEqual([])
    }))

  it.live("from the working directory: a relative default cache dir is reported as an absolute path and not created", () =>
    Effect.gen(function*() {
      const cwd = tempDir()
      const previous = process.cwd()
      const previousEnv = process.env.ONEIRIC_CACHE_DIR
      delete process.env.ONEIRIC_CACHE_DIR
      process.chdir(cwd)
      const result = yield* runCli("activity").pipe(
        Effect.ensuring(Effect.sync(() => {
          process.chdir(previous)
          if (previousEnv !== undefined) process.env.ONEIRIC_CACHE_DIR = previousEnv
        }))
      )
      expect(result.stdout).toContain(`No activity store at ${path.join(fs.realpathSync(cwd), ".oneiric_cache", "domain_activity.sqlite")}`)
      expect(fs.readdirSync(cwd)).toEqual([])
    }))

  it.live("--dry-run is a read: it previews against the empty state and creates nothing", () =>
    Effect.gen(function*() {
      const parent = tempDir()
      const cache = path.join(parent, "cache")
      const dry = yield* runCli("--cache-dir", cache, "pause", "--domain", "task", "--key", "a", "--dry-run", "--json")
      expect(dry.code).toBe(0)
      expect(parsed(dry)).toMatchObject({ dry_run: true, changed: true, before: null, store: `sqlite:${path.join(cache, "domain_activity.sqlite")}`, effective: { state: "paused" } })
      expect((yield* runCli("--cache-dir", cache, "resume", "--domain", "task", "--key", "a", "--dry-run")).stdout).toContain("task/a was not paused or draining: nothing would change")
      expect(fs.readdirSync(parent)).toEqual([])
    }))

  it.live("once a write has created it, activity --json says store_present: true", () =>
    Effect.gen(function*() {
      const cache = path.join(tempDir(), "cache")
      yield* runCli("--cache-dir", cache, "pause", "--domain", "task", "--key", "a")
      expect(parsed(yield* runCli("--cache-dir", cache, "activity", "--json"))).toMatchObject({ store_present: true, totals: { paused: 1 } })
      expect(parsed(yield* runCli("--cache-dir", cache, "activity", "--history", "--json"))).toMatchObject({ store_present: true })
    }))
})
