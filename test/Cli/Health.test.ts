import { describe, expect, it } from "@effect/vitest"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Schema from "effect/Schema"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { ActivityKey } from "../../src/Domain/ActivityKey.js"
import { HealthReport, RuntimeHealthSnapshot } from "../../src/Domain/Health.js"
import { HealthSnapshot } from "../../src/HealthSnapshot.js"
import { Instances } from "../../src/Instances.js"
import { Lifecycle } from "../../src/Lifecycle.js"
import { Supervisor } from "../../src/Supervisor.js"
import { runCli } from "../cliHarness.js"
import { tempDir } from "../helpers.js"
import { memoryStack } from "../layers.js"

/** `oneiric health …` through the real command tree and exit-code mapping. */
const run = runCli

type Encoded = typeof RuntimeHealthSnapshot.Encoded

/** The snapshot a live in-memory process builds now, encoded as the file holds it. */
const liveSnapshot = Effect.gen(function*() {
  const supervisor = yield* Supervisor
  yield* supervisor.awaitReady
  const lifecycle = yield* Lifecycle
  yield* lifecycle.register({ domain: "task", key: "reports" })
  yield* supervisor.transition({ domain: "event", key: ActivityKey.make("billing.*"), action: "drain", actor: "ops", source: "api" })
  return Schema.encodeSync(RuntimeHealthSnapshot)(yield* Effect.flatMap(HealthSnapshot, (h) => h.current))
}).pipe(
  Effect.provide(
    HealthSnapshot.layerMemory().pipe(
      Layer.provideMerge(Layer.merge(Instances.layer(), Lifecycle.layer())),
      Layer.provideMerge(memoryStack())
    )
  ),
  Logger.withMinimumLogLevel(LogLevel.None)
)

const snapshotFile = (edit: (s: Encoded) => unknown = (s) => s) =>
  Effect.map(liveSnapshot, (snapshot) => {
    const file = path.join(tempDir(), "runtime_health.json")
    fs.writeFileSync(file, JSON.stringify(edit(snapshot)))
    return file
  })

const ago = (seconds: number) => DateTime.formatIso(DateTime.subtract(DateTime.unsafeNow(), { seconds }))

const probe = (file: string, ...extra: ReadonlyArray<string>) => run("health", "--probe", "--health-path", file, ...extra)

describe("oneiric health --probe", () => {
  it.live("a fresh snapshot of a live, healthy process: exit 0", () =>
    Effect.gen(function*() {
      const file = yield* snapshotFile()
      const plain = yield* probe(file)
      expect(plain).toMatchObject({ code: 0, stderr: "" })
      expect(plain.stdout).toMatch(/^ready \(snapshot \d+ ms old\)$/)
      const json = yield* probe(file, "--json")
      expect(json.code).toBe(0)
      const report = Schema.decodeUnknownSync(HealthReport)(JSON.parse(json.stdout))
      expect(report).toMatchObject({ ready: true, reasons: [], pidAlive: true, maxAgeMs: 15_000, path: file })
      expect(report.snapshot?.activityState["event"]?.["billing.*"]?.state).toBe("drained")
    }))

  it.live("a stale snapshot: exit 3 with the reason on one stderr line; --max-age widens the window", () =>
    Effect.gen(function*() {
      const file = yield* snapshotFile((s) => ({ ...s, updated_at: ago(60) }))
      const result = yield* probe(file)
      expect(result.code).toBe(3)
      expect(result.stdout).toBe("")
      expect(result.stderr).toMatch(/^oneiric: not ready: snapshot is stale: updated 60(\.\d)? s ago \(max age 15 s\)$/)
      expect((yield* probe(file, "--max-age", "2m")).code).toBe(0)
      expect((yield* probe(file, "--max-age", "30s")).code).toBe(3)
      // --json: the probe result is the one document on stdout, even when not ready.
      const json = yield* probe(file, "--json")
      expect(json.code).toBe(3)
      const report = Schema.decodeUnknownSync(HealthReport)(JSON.parse(json.stdout))
      expect(report.ready).toBe(false)
      expect(report.reasons[0]).toMatch(/^snapshot is stale/)
      expect(report.ageMs).toBeGreaterThanOrEqual(60_000)
    }))

  it.live("a snapshot from the future: more than 5 s ahead is not fresh (a year ahead with a live pid is exit 3); a little skew is tolerated", () =>
    Effect.gen(function*() {
      const later = (seconds: number) => DateTime.formatIso(DateTime.add(DateTime.unsafeNow(), { seconds }))
      const year = yield* snapshotFile((s) => ({ ...s, updated_at: later(365 * 24 * 3600) }))
      const result = yield* probe(year, "--json")
      expect(result.code).toBe(3)
      expect(result.stderr).toMatch(/^oneiric: not ready: snapshot is from the future: updated_at is \S+ (ms|s|min|h|d) ahead of this host's clock \(more than 5 s of skew\)$/)
      const report = Schema.decodeUnknownSync(HealthReport)(JSON.parse(result.stdout))
      expect(report).toMatchObject({ ready: false, pidAlive: true })
      expect(report.ageMs).toBeLessThan(-364 * 24 * 3600 * 1000)
      // Even a --max-age that would take anything cannot make it fresh.
      expect((yield* probe(year, "--max-age", "99999h"))).toMatchObject({ code: 3, stderr: expect.stringMatching(/from the future/) })
      const minute = yield* snapshotFile((s) => ({ ...s, updated_at: later(60) }))
      expect((yield* probe(minute)).stderr).toMatch(/snapshot is from the future/)
      // Within the skew (two hosts' clocks a second apart): fresh.
      expect((yield* probe(yield* snapshotFile((s) => ({ ...s, updated_at: later(1) }))))).toMatchObject({ code: 0, stderr: "" })
    }))

  it.live("a corrupt snapshot with NUL bytes and control characters: the reason stays one escaped line", () =>
    Effect.gen(function*() {
      const file = path.join(tempDir(), "runtime_health.json")
      fs.writeFileSync(file, "{\"watchers_running\": \u0000\u0000\u001b[2J\nfalse\r")
      const result = yield* probe(file, "--json")
      expect(result.code).toBe(3)
      expect(result.stderr.split("\n")).toHaveLength(1)
      expect(result.stderr).toMatch(/^oneiric: not ready: health snapshot at \S+ is not valid JSON: /)
      expect(result.stderr).not.toMatch(/[\u0000-\u001f\u007f]/)
      // The JSON report carries the reason as a string: valid JSON, one document.
      expect(JSON.parse(result.stdout)).toMatchObject({ ready: false })
      const plain = yield* run("health", "--health-path", file)
      expect(plain.stdout).not.toMatch(/[\u0000\u0007-\u0009\u000b-\u001f\u007f]/)
    }))

  it.live("a corrupt, a foreign and a missing file: exit 3, never a crash", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const garbage = path.join(dir, "garbage.json")
      fs.writeFileSync(garbage, "{\"watchers_running\": tr")
      const corrupt = yield* probe(garbage)
      expect(corrupt.code).toBe(3)
      expect(corrupt.stderr).toMatch(new RegExp(`^oneiric: not ready: health snapshot at ${garbage} is not valid JSON: `))

      const foreign = path.join(dir, "foreign.json")
      fs.writeFileSync(foreign, JSON.stringify({ watchers_running: false, remote_enabled: false }))
      expect((yield* probe(foreign)).stderr).toMatch(/is not a snapshot: last_remote_sync_at: is missing$/)

      const missing = path.join(dir, "none.json")
      const absent = yield* probe(missing, "--json")
      expect(absent.code).toBe(3)
      expect(absent.stderr).toBe(`oneiric: not ready: no health snapshot at ${missing}`)
      expect(JSON.parse(absent.stdout)).toMatchObject({ ready: false, snapshot: null, age_ms: null, pid_alive: null })
    }))

  it.live("a dead pid on this host: exit 3; on another host the pid is not checked", () =>
    Effect.gen(function*() {
      // Above Linux's largest pid_max (2^22): no process can have it.
      const dead = 99_999_999
      const here = yield* snapshotFile((s) => ({ ...s, orchestrator_pid: dead, instance: { ...s.instance, pid: dead } }))
      const result = yield* probe(here)
      expect(result.code).toBe(3)
      expect(result.stderr).toBe(`oneiric: not ready: orchestrator pid ${dead} is not running on ${os.hostname()}`)
      const elsewhere = yield* snapshotFile((s) => ({ ...s, orchestrator_pid: dead, instance: { ...s.instance, host: "elsewhere.invalid" } }))
      const json = yield* probe(elsewhere, "--json")
      expect(json.code).toBe(0)
      expect(JSON.parse(json.stdout)).toMatchObject({ ready: true, pid_alive: null })
    }))

  it.live("the snapshot written at stop, and a snapshot that is not ready: exit 3 with every reason", () =>
    Effect.gen(function*() {
      const stopped = yield* snapshotFile((s) => ({ ...s, orchestrator_pid: null, ready: false, ready_reasons: ["stopped"] }))
      expect((yield* probe(stopped)).stderr).toBe("oneiric: not ready: the process has stopped (orchestrator_pid is null)")
      const failing = yield* snapshotFile((s) => ({
        ...s,
        supervisor: { ...s.supervisor, healthy: false, last_error: "database is locked" },
        secrets: { ...s.secrets, required: ["DB_URL"], status: "missing", missing: ["DB_URL"] },
        // The writer's own verdict is not trusted: the fields are checked again.
        ready: true,
        ready_reasons: []
      }))
      const result = yield* probe(failing)
      expect(result.code).toBe(3)
      expect(result.stderr).toBe("oneiric: not ready: supervisor unhealthy: database is locked; required secrets missing: DB_URL")
      const disabled = yield* snapshotFile((s) => ({ ...s, supervisor: { ...s.supervisor, enabled: false } }))
      expect((yield* probe(disabled)).stderr).toBe("oneiric: not ready: supervisor is disabled")
    }))
})

describe("oneiric health", () => {
  it.live("prints a summary and exits 0 even when not ready; the default path comes from the configuration", () =>
    Effect.gen(function*() {
      const file = yield* snapshotFile((s) => ({ ...s, updated_at: ago(60) }))
      const shown = yield* run("health", "--cache-dir", path.dirname(file))
      expect(shown.code).toBe(0)
      expect(shown.stdout).toMatch(/^not ready:\n {2}- snapshot is stale: updated 60(\.\d)? s ago \(max age 15 s\)\n/)
      expect(shown.stdout).toMatch(new RegExp(`snapshot\\s+${file}, updated `))
      expect(shown.stdout).toMatch(/supervisor\s+enabled, running, healthy; poll 250 ms/)
      expect(shown.stdout).toMatch(/profile\s+default \(supervisor on, watchers on, remote on, inline-manifest-only off\)/)
      expect(shown.stdout).toMatch(/secrets\s+none required/)
      expect(shown.stdout).toMatch(/event\s+billing\.\*\s+drained\s+0/)
      expect(shown.stdout).toMatch(/lifecycle: 1 component\(s\): task 1\nDOMAIN\s+KEY\s+STATE/)
      expect(shown.stdout).toMatch(/task\s+reports\s+ready\s+\(no check\)/)

      const fresh = yield* snapshotFile()
      const json = yield* run("health", "--json", "--health-path", fresh)
      expect(json.code).toBe(0)
      expect(Schema.decodeUnknownSync(HealthReport)(JSON.parse(json.stdout)).ready).toBe(true)

      const missing = yield* run("health", "--health-path", path.join(tempDir(), "none.json"))
      expect(missing.code).toBe(0)
      expect(missing.stdout).toMatch(/^not ready:\n {2}- no health snapshot at /)
    }))

  it.live("a bad --max-age or --health-path is invalid input (exit 2)", () =>
    Effect.gen(function*() {
      const bad = yield* run("health", "--probe", "--max-age", "soon", "--health-path", "x.json")
      expect(bad.code).toBe(2)
      expect(bad.stderr).toMatch(/^oneiric: invalid --max-age "soon"/)
      expect((yield* run("health", "--health-path", " ")).code).toBe(2)
    }))
})

describe("a snapshot written by the Python original", () => {
  /** The original's file: its twelve fields, as its writer leaves them (nulls where nothing happened yet). */
  const legacyFile = (fields: Record<string, unknown>) => {
    const file = path.join(tempDir(), "runtime_health.json")
    fs.writeFileSync(file, JSON.stringify({
      watchers_running: false,
      remote_enabled: false,
      last_remote_sync_at: null,
      last_remote_error: null,
      orchestrator_pid: process.pid,
      updated_at: new Date().toISOString().replace("Z", "123+00:00"),
      last_remote_registered: null,
      last_remote_per_domain: {},
      last_remote_skipped: null,
      last_remote_duration_ms: null,
      activity_state: {},
      lifecycle_state: {},
      ...fields
    }))
    return file
  }

  it.live("is read: activity entries with only paused/draining/note get their state; a naive timestamp is UTC; nulls are tolerated", () =>
    Effect.gen(function*() {
      const naive = new Date(Date.now() - 3_000).toISOString().replace("Z", "")
      const file = legacyFile({
        updated_at: naive,
        last_remote_per_domain: null,
        activity_state: { workflow: { nightly: { paused: false, draining: true, note: null }, memo: { note: "read me" } } },
        lifecycle_state: { task: { export: { state: "failed", last_error: "boom", last_health_at: null } } }
      })
      const result = yield* run("health", "--json", "--health-path", file)
      expect(result.code).toBe(0)
      const report = Schema.decodeUnknownSync(HealthReport)(JSON.parse(result.stdout))
      expect(report.format).toBe("legacy")
      expect(report.ageMs).toBeGreaterThanOrEqual(3_000)
      expect(report.ageMs).toBeLessThan(60_000)
      expect(report.snapshot?.activityState["workflow"]).toMatchObject({ nightly: { state: "draining" }, memo: { state: "note-only", paused: false } })
      expect(report.ready).toBe(false)
      expect(report.reasons).toEqual(["component task/export failed: boom"])
    }))

  it.live("a file that is neither shape is still a reason, never a crash", () =>
    Effect.gen(function*() {
      const noTime = yield* probe(legacyFile({ updated_at: null }))
      expect(noTime.code).toBe(3)
      expect(noTime.stderr).toMatch(/written by the Python original\) has no valid updated_at/)
      const wrong = yield* probe(legacyFile({ activity_state: { task: { a: { paused: "yes" } } } }))
      expect(wrong.code).toBe(3)
      expect(wrong.stderr).toMatch(/written by the Python original\) cannot be read: activity_state\.task\.a\.paused/)
    }))
})
