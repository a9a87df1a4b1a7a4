import { describe, expect, it } from "@effect/vitest"
import * as DateTime from "effect/DateTime"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as TestClock from "effect/TestClock"
import * as fs from "node:fs"
import * as path from "node:path"
import type { TransitionRequest } from "../src/ActivityStore.js"
import { ConfigResolver } from "../src/ConfigResolver.js"
import { ActivityEntry } from "../src/Domain/Activity.js"
import { ActivityKey } from "../src/Domain/ActivityKey.js"
import { ConfigPaths, SecretsStatus } from "../src/Domain/Config.js"
import type { ResolvedConfigFields } from "../src/Domain/Config.js"
import type { Domain } from "../src/Domain/Domain.js"
import { ComponentHealth, InstanceInfo, RuntimeHealthSnapshot } from "../src/Domain/Health.js"
import { StoreLink, SupervisorStatus } from "../src/Domain/Supervision.js"
import { parseSnapshot, snapshotJson } from "../src/Domain/Health.js"
import { readSnapshotFile } from "../src/HealthProbe.js"
import { buildSnapshot, HealthSnapshot, writeFileAtomic } from "../src/HealthSnapshot.js"
import { storeChecks } from "../src/Domain/Readiness.js"
import type { SnapshotInput, SnapshotSink } from "../src/HealthSnapshot.js"
import { Instances } from "../src/Instances.js"
import { Lifecycle } from "../src/Lifecycle.js"
import type { RegisteredComponent } from "../src/Lifecycle.js"
import { Supervisor } from "../src/Supervisor.js"
import { WorkGate } from "../src/WorkGate.js"
import { tempDir } from "./helpers.js"
import { memoryStack } from "./layers.js"

const NOW = DateTime.unsafeMake("2026-11-27T23:00:00.000Z")

const status = (fields: Partial<ConstructorParameters<typeof SupervisorStatus>[0]> = {}) =>
  new SupervisorStatus({
    enabled: true, phase: "running", running: true, healthy: true, pollIntervalMs: 250, watching: true,
    lastTickAt: NOW, lastTickMs: 1, ticks: 12, lastError: null, lagMs: 0, appliedSeq: 3, keys: 0, ...fields
  })

const row = (domain: Domain, key: string, flags: { paused?: boolean; draining?: boolean; note?: string; expiresAt?: DateTime.Utc }) =>
  new ActivityEntry({
    domain, key: ActivityKey.make(key), paused: flags.paused ?? false, draining: flags.draining ?? false, note: flags.note ?? null,
    updatedAt: NOW, updatedBy: "ops", source: "cli", expiresAt: flags.expiresAt ?? null
  })

const component = (domain: Domain, key: string, state: ComponentHealth["state"] = "ready", error: string | null = null): RegisteredComponent => ({
  domain, key,
  health: new ComponentHealth({
    state, hasCheck: true, timeoutMs: 2000, registeredAt: NOW, lastHealthAt: NOW, lastError: error, lastDurationMs: 1
  })
})

const input = (fields: Partial<SnapshotInput> = {}, config: Partial<ResolvedConfigFields> = {}): SnapshotInput => ({
  now: NOW, phase: "running", config: ConfigResolver.makeStatic(config), supervisor: status(), rows: [], inflight: () => 0,
  components: [], instance: new InstanceInfo({ id: "host:1:ab", pid: 4242, host: "host", startedAt: NOW }), heartbeatMs: 5000, ...fields
})

const missingSecret = new SecretsStatus({ provider: "env+file", dir: "/run/secrets", required: ["DB_URL"], status: "missing", missing: ["DB_URL"] })

describe("buildSnapshot", () => {
  it("derives each key's state, with in-flight counts of this process and drained at zero", () => {
    const inflight = new Map([["task\u0000busy", 2], ["event\u0000billing.*", 1]])
    const s = buildSnapshot(input({
      rows: [
        row("task", "busy", { draining: true, note: "deploy" }),
        row("task", "idle", { draining: true }),
        row("task", "stopped", { paused: true, draining: true }),
        row("event", "billing.*", { paused: true }),
        row("event", "noted", { note: "watch this" }),
        row("workflow", "gone", { paused: true, expiresAt: DateTime.subtract(NOW, { seconds: 1 }) })
      ],
      inflight: (domain, key) => inflight.get(`${domain}\u0000${key}`) ?? 0
    }))
    expect(s.activityState["task"]).toMatchObject({
      busy: { state: "draining", draining: true, paused: false, inflight: 2, note: "deploy" },
      idle: { state: "drained", inflight: 0 },
      stopped: { state: "paused", paused: true, draining: true }
    })
    expect(s.activityState["event"]).toMatchObject({ "billing.*": { state: "paused", inflight: 1 }, noted: { state: "note-only" } })
    // An expired row has auto-resumed: it is not reported.
    expect(s.activityState["workflow"]).toBeUndefined()
    expect(s.ready).toBe(true)
    expect(s.readyReasons).toEqual([])
  })

  it("the original's fields: pid, watcher, remote, manifest counts from registered components", () => {
    const s = buildSnapshot(input({ components: [component("task", "a"), component("task", "b"), component("adapter", "smtp", "degraded")] }, { remoteEnabled: false }))
    expect(s).toMatchObject({
      orchestratorPid: 4242, watchersRunning: true, remoteEnabled: false, lastRemoteSyncAt: null, lastRemoteError: null,
      lastRemoteRegistered: 3, lastRemotePerDomain: { adapter: 1, task: 2 }, lastRemoteSkipped: 0, lastRemoteDurationMs: null
    })
    expect(s.lifecycleState["adapter"]?.["smtp"]?.state).toBe("degraded")
    // A degraded component still serves: the process stays ready.
    expect(s.ready).toBe(true)
    const encoded = Schema.encodeSync(RuntimeHealthSnapshot)(s)
    expect(encoded).toMatchObject({ updated_at: "2026-11-27T23:00:00.000Z", supervisor: { poll_interval_ms: 250, last_error: null }, profile: { name: "default" } })
    expect(Schema.decodeUnknownSync(RuntimeHealthSnapshot)(JSON.parse(JSON.stringify(encoded)))).toEqual(s)
  })

  it("with a shared store, the remote_* fields are its telemetry; the store link is in the snapshot and in /readyz?verbose", () => {
    const link = new StoreLink({
      store: "postgres://app:***@db/app", shared: true, reachable: false, listening: false, failStatic: true,
      downSince: NOW, lastSyncAt: DateTime.subtract(NOW, { seconds: 3 }), lastSyncMs: 1.23456, lastError: "connect ECONNREFUSED",
      reconnects: 2, outageReadiness: "stay-ready"
    })
    const s = buildSnapshot(input({
      supervisor: status({ store: link, lastError: "connect ECONNREFUSED" }),
      rows: [row("task", "a", { paused: true }), row("task", "b", { draining: true }), row("event", "*", { paused: true })],
      components: [component("task", "worker")]
    }, { profile: "serverless", remoteEnabled: false }))
    expect(s).toMatchObject({
      remoteEnabled: true, lastRemoteSyncAt: link.lastSyncAt, lastRemoteError: "connect ECONNREFUSED", lastRemoteDurationMs: 1.235,
      lastRemoteRegistered: 3, lastRemotePerDomain: { event: 1, task: 2 }, lastRemoteSkipped: 0
    })
    // Fail-static under the default policy: still ready (the supervisor stays healthy), and the check says why.
    expect(s.ready).toBe(true)
    const check = storeChecks(s.supervisor).find((c) => c.name === "store")
    expect(check).toMatchObject({ ok: false })
    expect(check?.detail).toMatch(/UNREACHABLE since 2026-11-27T23:00:00.000Z: enforcing the last known state \(feed position 3, last sync .*\); shared store, readiness policy stay-ready; push: reconnecting/)
    const encoded = Schema.encodeSync(RuntimeHealthSnapshot)(s)
    expect(encoded.supervisor.store).toMatchObject({ fail_static: true, down_since: "2026-11-27T23:00:00.000Z", outage_readiness: "stay-ready" })
    expect(Schema.decodeUnknownSync(RuntimeHealthSnapshot)(JSON.parse(JSON.stringify(encoded)))).toEqual(s)
    // A snapshot of an older version (no store link) still reads.
    const { store: _, ...older } = encoded.supervisor
    expect(Schema.decodeUnknownSync(RuntimeHealthSnapshot)({ ...encoded, supervisor: older }).supervisor.store).toBeNull()
  })

  it("not ready, with reasons: missing secret, failed component, unhealthy or starting supervisor, shutting down", () => {
    expect(buildSnapshot(input({}, { secrets: missingSecret })).readyReasons).toEqual(["required secrets missing: DB_URL"])
    expect(buildSnapshot(input({ components: [component("service", "db", "failed", "connection refused")] })).readyReasons)
      .toEqual(["component service/db failed: connection refused"])
    expect(buildSnapshot(input({ supervisor: status({ healthy: false, lastError: "database is locked" }) })).readyReasons)
      .toEqual(["supervisor unhealthy: database is locked"])
    expect(buildSnapshot(input({ supervisor: status({ phase: "starting" }) })).readyReasons[0]).toMatch(/^supervisor is starting/)
    const down = buildSnapshot(input({ phase: "shutting-down", supervisor: status({ phase: "shutting-down", running: false }) }))
    expect(down.ready).toBe(false)
    expect(down.readyReasons).toEqual(["shutting-down"])
    // Disabled by configuration: nothing to be healthy about.
    expect(buildSnapshot(input({ supervisor: status({ enabled: false, running: false, healthy: false }) })).ready).toBe(true)
  })

  it("draining everything: a paused or draining `*` rule over a domain with registered components", () => {
    const rows = [row("task", "*", { draining: true }), row("event", "*", { paused: true })]
    const s = buildSnapshot(input({ rows, components: [component("task", "a"), component("task", "b")] }))
    expect(s.readyReasons).toEqual(["task/* is draining: all 2 registered task component(s) refuse new work"])
    expect(buildSnapshot(input({ rows })).ready).toBe(true)
  })

  it("lists at most 1,000 keys, the most telling first, and counts the rest", () => {
    const paused = Array.from({ length: 1_500 }, (_, i) => row("task", `bulk.${i}`, { paused: true }))
    const rows = [...paused, row("task", "*", { draining: true }), row("event", "busy", { draining: true })]
    const s = buildSnapshot(input({ rows, inflight: (_, key) => (key === "busy" ? 2 : 0), components: [component("task", "a")] }))
    const listed = Object.values(s.activityState).reduce((n, byKey) => n + Object.keys(byKey).length, 0)
    expect(listed).toBe(1_000)
    expect(s.activityOmitted).toBe(502)
    expect(s.activityState["task"]?.["*"]).toMatchObject({ state: "drained", draining: true })
    expect(s.activityState["event"]?.["busy"]).toMatchObject({ state: "draining", inflight: 2 })
    expect(s.readyReasons).toEqual(["task/* is draining: all 1 registered task component(s) refuse new work"])
    expect(buildSnapshot(input({ rows: paused.slice(0, 10) })).activityOmitted).toBe(0)
  })

  it("the snapshot at stop: no pid, watcher and supervisor stopped, not ready", () => {
    const s = buildSnapshot(input({ phase: "stopped" }))
    expect(s).toMatchObject({ orchestratorPid: null, watchersRunning: false, ready: false, readyReasons: ["stopped"] })
    expect(s.supervisor.running).toBe(false)
    expect(s.instance.pid).toBe(4242)
  })
})

describe("atomic writer and tolerant reader", () => {
  const sample = buildSnapshot(input())

  it.effect("writes, reads back, leaves no temp file, and replaces the previous snapshot", () =>
    Effect.gen(function*() {
      const dir = path.join(tempDir(), "nested", "cache")
      const file = path.join(dir, "runtime_health.json")
      yield* writeFileAtomic(file, snapshotJson(sample))
      const later = buildSnapshot(input({ now: DateTime.add(NOW, { seconds: 5 }) }))
      yield* writeFileAtomic(file, snapshotJson(later))
      expect(fs.readdirSync(dir)).toEqual(["runtime_health.json"])
      const read = yield* readSnapshotFile(file)
      expect(read._tag).toBe("Found")
      if (read._tag === "Found") expect(read.snapshot).toEqual(later)
    }))

  it.effect("a failed write is a typed error and leaves nothing behind", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const file = path.join(dir, "runtime_health.json")
      fs.mkdirSync(file) // a directory where the file should go: the rename fails
      const error = yield* Effect.flip(writeFileAtomic(file, snapshotJson(sample)))
      expect(error._tag).toBe("HealthWriteFailed")
      expect(error.message).toContain(`cannot write health snapshot at ${file}`)
      expect(fs.readdirSync(dir)).toEqual(["runtime_health.json"])
    }))

  it.effect("missing, empty, garbage, truncated and wrong-shape files read as reasons", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const at = (name: string, text?: string) => {
        const file = path.join(dir, name)
        if (text !== undefined) fs.writeFileSync(file, text)
        return file
      }
      const reason = (file: string) => Effect.map(readSnapshotFile(file), (r) => (r._tag === "Found" ? "found" : `${r._tag}: ${r.reason}`))
      expect(yield* reason(at("none.json"))).toBe(`Missing: no health snapshot at ${dir}/none.json`)
      expect(yield* reason(at("empty.json", "  \n"))).toBe(`Corrupt: health snapshot at ${dir}/empty.json is empty`)
      expect(yield* reason(at("garbage.json", "\u0000\u0001 not json"))).toMatch(/^Corrupt: health snapshot at .*garbage\.json is not valid JSON: /)
      expect(yield* reason(at("cut.json", snapshotJson(sample).slice(0, 200)))).toMatch(/is not valid JSON/)
      expect(yield* reason(at("array.json", "[]"))).toMatch(/is not a snapshot: expected a JSON object$/)
      expect(yield* reason(at("shape.json", JSON.stringify({ watchers_running: true })))).toMatch(/is not a snapshot: remote_enabled: is missing$/)
      const wrongType = { ...JSON.parse(snapshotJson(sample)), ready: "yes" }
      expect(yield* reason(at("type.json", JSON.stringify(wrongType)))).toMatch(/is not a snapshot: ready: Expected boolean, actual "yes"$/)
      expect(yield* reason(dir)).toMatch(/^Corrupt: health snapshot at .* cannot be read: /)
      expect(parseSnapshot("x", snapshotJson(sample))._tag).toBe("Found")
    }))
})

// ---- the service ------------------------------------------------------------------------------

const countingSink = () => {
  const writes: Array<RuntimeHealthSnapshot> = []
  const sink: SnapshotSink = {
    location: "test",
    write: (snapshot) => Effect.sync(() => void writes.push(snapshot)),
    read: Effect.sync(() => writes.length === 0 ? { _tag: "Missing", reason: "none" } as const : { _tag: "Found", snapshot: writes.at(-1)! } as const)
  }
  return { sink, writes }
}

const stackWith = <E>(health: Layer.Layer<HealthSnapshot, E, ConfigResolver | Supervisor | WorkGate | Instances | Lifecycle>, config?: Partial<ResolvedConfigFields>) =>
  health.pipe(
    Layer.provideMerge(Layer.merge(Instances.layer(), Lifecycle.layer())),
    Layer.provideMerge(memoryStack(config))
  )

const request = (action: TransitionRequest["action"], domain: Domain, key: string): TransitionRequest => ({
  domain, key: ActivityKey.make(key), action, actor: "test", source: "api"
})

const settle = Effect.repeatN(Effect.yieldNow(), 50)

const latest = Effect.flatMap(HealthSnapshot, (h) => h.lastWritten).pipe(Effect.map((s) => s!))

describe("HealthSnapshot service", () => {
  it.effect("writes at start and follows deltas: states, in-flight work, drained", () =>
    Effect.gen(function*() {
      const supervisor = yield* Supervisor
      const gate = yield* WorkGate
      yield* supervisor.awaitReady
      yield* settle
      expect((yield* latest).ready).toBe(true)
      const release = yield* Deferred.make<void>()
      const work = yield* Effect.fork(gate.run("task", "reports", Deferred.await(release)))
      yield* settle
      yield* supervisor.transition(request("drain", "task", "reports"))
      // Written within one coalescing window (50 ms) of the delta.
      yield* TestClock.adjust("50 millis")
      yield* settle
      expect((yield* latest).activityState["task"]?.["reports"]).toMatchObject({ state: "draining", inflight: 1 })
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(work)
      // Completion is not a delta: the heartbeat (or writeNow) carries it.
      yield* Effect.flatMap(HealthSnapshot, (h) => h.writeNow)
      expect((yield* latest).activityState["task"]?.["reports"]).toMatchObject({ state: "drained", inflight: 0 })
    }).pipe(Effect.provide(stackWith(HealthSnapshot.layerMemory()))))

  it.effect("coalesces a burst of deltas into at most two writes, then writes on the heartbeat", () => {
    const { sink, writes } = countingSink()
    return Effect.gen(function*() {
      const supervisor = yield* Supervisor
      yield* supervisor.awaitReady
      yield* settle
      yield* TestClock.adjust("100 millis")
      const before = writes.length
      expect(before).toBeGreaterThanOrEqual(1)
      for (let i = 0; i < 10; i++) yield* supervisor.transition(request("pause", "task", `k${i}`))
      yield* settle
      yield* TestClock.adjust("50 millis")
      yield* settle
      yield* TestClock.adjust("50 millis")
      const burst = writes.length - before
      expect(burst).toBeGreaterThanOrEqual(1)
      expect(burst).toBeLessThanOrEqual(2)
      expect(Object.keys(writes.at(-1)!.activityState["task"] ?? {})).toHaveLength(10)
      const afterBurst = writes.length
      yield* TestClock.adjust("4 seconds")
      expect(writes.length).toBe(afterBurst)
      yield* TestClock.adjust("1 second")
      expect(writes.length).toBe(afterBurst + 1)
    }).pipe(Effect.provide(stackWith(HealthSnapshot.layerSink(sink, { heartbeatMs: 5_000, coalesceMs: 50 }))))
  })

  it.effect("not ready: missing secret, failed component, unhealthy supervisor; beginShutdown flips at once", () =>
    Effect.gen(function*() {
      const health = yield* HealthSnapshot
      const supervisor = yield* Supervisor
      const lifecycle = yield* Lifecycle
      yield* supervisor.awaitReady
      yield* lifecycle.register({ domain: "service", key: "db", check: Effect.fail("connection refused") })
      yield* lifecycle.checkNow
      yield* supervisor.reportHealth("probe test", "disk full")
      const s = yield* health.writeNow
      expect(s.ready).toBe(false)
      expect(s.readyReasons).toEqual([
        "supervisor unhealthy: probe test: disk full",
        "required secrets missing: DB_URL",
        "component service/db failed: connection refused"
      ])
      expect(s.secrets).toMatchObject({ status: "missing", missing: ["DB_URL"] })
      yield* health.beginShutdown
      expect((yield* latest).readyReasons[0]).toBe("shutting-down")
    }).pipe(Effect.provide(stackWith(HealthSnapshot.layerMemory(), { secrets: missingSecret }))))

  it.effect("the file layer writes at start and, when its scope closes, the final snapshot (pid cleared)", () =>
    Effect.gen(function*() {
      const file = path.join(tempDir(), "runtime_health.json")
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(stackWith(HealthSnapshot.layerFile({ path: file })), scope)
      const health = yield* Effect.provide(HealthSnapshot, context)
      expect(health.location).toBe(file)
      const first = yield* readSnapshotFile(file)
      expect(first._tag === "Found" && first.snapshot.orchestratorPid).toBe(process.pid)
      yield* Scope.close(scope, Exit.void)
      const last = yield* readSnapshotFile(file)
      if (last._tag !== "Found") throw new Error(`expected a snapshot, got ${last.reason}`)
      expect(last.snapshot).toMatchObject({ orchestratorPid: null, watchersRunning: false, ready: false, readyReasons: ["stopped"] })
      expect(last.snapshot.supervisor.running).toBe(false)
      expect(fs.readdirSync(path.dirname(file))).toEqual(["runtime_health.json"])
    }))

  it.effect("the file layer's path defaults to the configuration's health_path", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const paths = ConfigResolver.makeStatic().paths
      const layer = stackWith(HealthSnapshot.layerFile(), { paths: new ConfigPaths({ ...paths, healthPath: path.join(dir, "h.json") }) })
      const location = yield* Effect.provide(Effect.map(HealthSnapshot, (h) => h.location), layer)
      expect(location).toBe(path.join(dir, "h.json"))
      expect(fs.existsSync(location)).toBe(true)
    }))
})
