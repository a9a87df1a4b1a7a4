/**
 * The CLI of a fleet, in-process: `--store` (before or after the command, decided by the option, its
 * password masked everywhere it is printed), `--wait` on pause/resume/drain, `activity --instances`,
 * `migrate`, and the readiness policy for a shared store in the configuration.
 */
import { describe, expect, it } from "@effect/vitest"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as fs from "node:fs"
import * as path from "node:path"
import { ActivityStore } from "../../src/ActivityStore.js"
import { LATEST_MIGRATION } from "../../src/ActivityStore/Migrations.js"
import { ActivityKey } from "../../src/Domain/ActivityKey.js"
import { InflightCount, InstanceReport } from "../../src/Domain/Instance.js"
import { InstancesReport, MigrationReport, TransitionWaitReport } from "../../src/Domain/Report.js"
import { parsed, runCli } from "../cliHarness.js"
import { tempDir } from "../helpers.js"

const secretUrl = "postgres://ops:s3cr3t-pw@127.0.0.1:1/fleet?schema=orders"

describe("CLI: --store", () => {
  it.live("is a root option, before or after the command, decided by `option`, with the password masked", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const file = path.join(dir, "elsewhere.sqlite")
      for (const args of [["--store", file, "supervisor-info", "--json"], ["supervisor-info", "--json", `--store=${file}`]]) {
        const shown = yield* runCli("--cache-dir", dir, ...args)
        expect(shown.code).toBe(0)
        expect(parsed(shown)).toMatchObject({ paths: { activity_store: file }, store_kind: "sqlite", decisions: { activity_store: "option" } })
      }
      const human = yield* runCli("--cache-dir", dir, "supervisor-info", "--store", secretUrl)
      expect(human.stdout).toMatch(/activity_store\s+postgres:\/\/ops:\*\*\*@127\.0\.0\.1:1\/fleet\?schema=orders \(postgres; decided by option\)/)
      expect(human.stdout).not.toContain("s3cr3t-pw")
      const json = yield* runCli("--cache-dir", dir, "--store", secretUrl, "supervisor-info", "--json")
      expect(json.stdout).not.toContain("s3cr3t-pw")
      expect(parsed(json)).toMatchObject({ store_kind: "postgres", shared_store_outage: "stay-ready", decisions: { shared_store_outage: "profile" } })
    }))

  it.live("an unreachable PostgreSQL store is exit 5, its password masked in the error (line and JSON)", () =>
    Effect.gen(function*() {
      const failed = yield* runCli("--cache-dir", tempDir(), "--store", secretUrl, "activity", "--json")
      expect(failed.code).toBe(5)
      expect(failed.stderr).toMatch(/^oneiric: cannot open postgres:\/\/ops:\*\*\*@127\.0\.0\.1:1\/fleet\?schema=orders: /)
      expect(failed.stderr + failed.stdout).not.toContain("s3cr3t-pw")
      expect(parsed(failed)).toMatchObject({ error: { tag: "StoreUnavailable", exit_code: 5 } })
    }))
})

describe("CLI: --wait and --instances on the embedded store", () => {
  it.live("pause/resume --wait with no live process: applied 0/0 at once; --timeout needs --wait", () =>
    Effect.gen(function*() {
      const cache = ["--cache-dir", tempDir()] as const
      const paused = yield* runCli(...cache, "pause", "--domain", "task", "--key", "k", "--wait", "--json")
      expect(paused.code).toBe(0)
      const report = Schema.decodeUnknownSync(TransitionWaitReport)(parsed(paused))
      expect(report.transition).toMatchObject({ action: "pause", changed: true })
      expect(report.wait).toMatchObject({ complete: true, applied: 0, live: 0, pending: [], seq: report.transition.seq })
      const human = yield* runCli(...cache, "resume", "--domain", "task", "--key", "k", "--wait", "--timeout", "2s")
      expect(human.code).toBe(0)
      expect(human.stdout).toMatch(/^resumed task\/k by /)
      expect(human.stdout).toMatch(/\napplied 0\/0: no live instance shares this store$/)
      const misuse = yield* runCli(...cache, "pause", "--domain", "task", "--key", "k", "--timeout", "2s")
      expect([misuse.code, misuse.stderr]).toEqual([2, "oneiric: --timeout only applies with --wait"])
      const dry = yield* runCli(...cache, "pause", "--domain", "task", "--key", "k", "--wait", "--dry-run")
      expect([dry.code, dry.stderr]).toEqual([2, "oneiric: --wait cannot be combined with --dry-run"])
    }))

  it.live("--wait names the live process that has not applied the change, and exits 4 at the deadline", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const filename = path.join(dir, "domain_activity.sqlite")
      const now = yield* DateTime.now
      // A live process whose heartbeat says it is far behind (it will not catch up: nothing runs it).
      const behind = new InstanceReport({
        id: "web-2:77:0b7c44d1", pid: 77, host: "web-2", startedAt: now, heartbeatAt: DateTime.add(now, { minutes: 5 }),
        heartbeatIntervalMs: 60_000, appliedSeq: 0, inflight: [new InflightCount({ domain: "task", key: ActivityKey.make("k"), count: 2 })]
      })
      yield* Effect.provide(Effect.flatMap(ActivityStore, (store) => store.publishInstance(behind)), ActivityStore.layerSqlite({ filename }))
      const timedOut = yield* runCli("--cache-dir", dir, "pause", "--domain", "task", "--key", "k", "--wait", "--timeout", "200ms", "--json")
      expect(timedOut.code).toBe(4)
      const report = Schema.decodeUnknownSync(TransitionWaitReport)(parsed(timedOut))
      expect(report.wait).toMatchObject({ complete: false, applied: 0, live: 1, pending: ["web-2:77:0b7c44d1"], remaining: 2 })
      expect(report.wait.instances[0]).toMatchObject({ acknowledged: false, appliedSeq: 0, inflight: 2 })
      expect(timedOut.stderr).toBe("oneiric: pause of task/k not applied by 1 of 1 live instance(s) within 200 ms: web-2:77:0b7c44d1")

      const human = yield* runCli("--cache-dir", dir, "drain", "--domain", "task", "--key", "k", "--wait", "--timeout", "200ms")
      expect(human.code).toBe(4)
      expect(human.stdout).toMatch(/timed out after 200 ms: applied 0\/1, 2 in flight\n {2}web-2:77:0b7c44d1 \(pid 77 on web-2\): not applied yet \(at feed position 0, needs \d+\); heartbeat/)

      const instances = yield* runCli("--cache-dir", dir, "activity", "--instances", "--json")
      const listed = Schema.decodeUnknownSync(InstancesReport)(parsed(instances))
      expect(listed).toMatchObject({ live: 1, stale: 0 })
      expect(listed.instances[0]).toMatchObject({ id: "web-2:77:0b7c44d1", live: true, appliedSeq: 0, inflightTotal: 2 })
      const table = yield* runCli("--cache-dir", dir, "activity", "--instances")
      expect(table.stdout).toMatch(/^1 live, 0 stale instance\(s\) in sqlite:/)
      expect(table.stdout).toMatch(/web-2:77:0b7c44d1\s+web-2\s+77\s+yes\s+0\s+.*ago\s+2 \(task\/k 2\)/)
    }))
})

describe("CLI: migrate", () => {
  it.live("migrates the store now, then finds it up to date", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const first = yield* runCli("--cache-dir", dir, "migrate", "--json")
      expect(first.code).toBe(0)
      const report = Schema.decodeUnknownSync(MigrationReport)(parsed(first))
      expect(report).toMatchObject({ schema: null, version: LATEST_MIGRATION })
      expect(report.applied[0]).toBe("0001_activity")
      expect(fs.existsSync(path.join(dir, "domain_activity.sqlite"))).toBe(true)
      const again = yield* runCli("--cache-dir", dir, "migrate")
      expect(again.stdout).toMatch(new RegExp(`^sqlite:.*domain_activity\\.sqlite is up to date: schema version ${LATEST_MIGRATION}$`))
    }))
})

describe("configuration: shared_store_outage", () => {
  it.live("settles readiness for a lost shared store; env beats settings; a bad value names itself", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const settings = path.join(dir, "settings.toml")
      fs.writeFileSync(settings, `[runtime]\nshared_store_outage = "not-ready"\n`)
      const fromFile = yield* runCli("--cache-dir", dir, "--config", settings, "supervisor-info", "--json")
      expect(parsed(fromFile)).toMatchObject({ shared_store_outage: "not-ready", decisions: { shared_store_outage: "settings" } })
      fs.writeFileSync(settings, `[runtime]\nshared_store_outage = "maybe"\n`)
      const bad = yield* runCli("--cache-dir", dir, "--config", settings, "supervisor-info")
      expect(bad.code).toBe(2)
      expect(bad.stderr).toMatch(/settings key "runtime.shared_store_outage" in .* must be "stay-ready" or "not-ready", got string "maybe"/)
    }))
})
