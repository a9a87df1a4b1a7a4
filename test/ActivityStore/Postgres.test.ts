/**
 * What only the PostgreSQL store has: push propagation (LISTEN/NOTIFY) with the poll as fallback, a
 * listener that reconnects and catches up, fail-static while the database is gone (with the
 * readiness policy for a shared store), migrations safe for many starters, a least-privilege role,
 * TLS options from the URL, and the password kept out of every message.
 */
import { expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import { ActivityStore } from "../../src/ActivityStore.js"
import { ConfigResolver } from "../../src/ConfigResolver.js"
import { ActivityKey } from "../../src/Domain/ActivityKey.js"
import type { SharedStoreOutage } from "../../src/Domain/Config.js"
import type { TransitionRequest } from "../../src/Domain/Store.js"
import { Supervisor } from "../../src/Supervisor.js"
import { WorkGate } from "../../src/WorkGate.js"
import { adminQuery, describePg, pgDatabase, tcpProxy } from "../postgres.js"

const database = pgDatabase()

const request = (action: TransitionRequest["action"], key: string): TransitionRequest => ({
  domain: "task",
  key: ActivityKey.make(key),
  action,
  actor: "tester",
  source: "api"
})

/** Writes through a store of its own (another process, as far as the supervisor under test can tell). */
const elsewhere = (url: string, action: TransitionRequest["action"], key: string) =>
  Effect.provide(Effect.flatMap(ActivityStore, (store) => store.transition(request(action, key))), ActivityStore.layerPostgres({ url }))

/** A supervisor on `url` that polls only once a minute: anything faster than that came by push. */
const slowPolling = (url: string, sharedStoreOutage: SharedStoreOutage = "stay-ready") =>
  WorkGate.layer.pipe(
    Layer.provideMerge(Supervisor.layer),
    Layer.provideMerge(ActivityStore.layerPostgres({ url, connectTimeoutMs: 1_000 })),
    Layer.provideMerge(Layer.succeed(ConfigResolver, ConfigResolver.makeStatic({ pollIntervalMs: 60_000, sharedStoreOutage })))
  )

/** Polls `check` every 10 ms until it holds (or fails the test after `ms`). */
const until = <E, R>(check: Effect.Effect<boolean, E, R>, ms = 5_000) =>
  Effect.gen(function*() {
    const started = Date.now()
    while (!(yield* check)) {
      if (Date.now() - started > ms) return yield* Effect.dieMessage(`condition not met within ${ms} ms`)
      yield* Effect.sleep("10 millis")
    }
    return Date.now() - started
  })

const refuses = (key: string) => Effect.map(Supervisor, (s) => !s.shouldAcceptWork("task", key))
const accepts = (key: string) => Effect.map(Supervisor, (s) => s.shouldAcceptWork("task", key))

describePg("PostgreSQL store: push propagation", () => {
  it.live("a commit elsewhere is enforced here at once, without waiting for the poll", () => {
    const url = database.store()
    return Effect.gen(function*() {
      const supervisor = yield* Supervisor
      yield* until(Effect.map(supervisor.status, (s) => s.store?.listening === true))
      // Settle: the tick that "listening" wakes has run.
      yield* Effect.sleep("200 millis")
      const ticks = (yield* supervisor.status).ticks
      yield* elsewhere(url, "pause", "pushed")
      const ms = yield* until(refuses("pushed"), 3_000)
      expect(ms).toBeLessThan(3_000)
      const status = yield* supervisor.status
      expect(status.store).toMatchObject({ shared: true, reachable: true, listening: true, failStatic: false })
      // Applied from the push itself (it carries the row): no look at the feed was needed.
      expect(status.ticks).toBe(ticks)
      expect(status.appliedSeq).toBe(1)
    }).pipe(Effect.provide(slowPolling(url)))
  })

  it.live("the listener reconnects after pg_terminate_backend and catches up what it missed", () => {
    const url = database.store()
    return Effect.gen(function*() {
      const supervisor = yield* Supervisor
      yield* until(Effect.map(supervisor.status, (s) => s.store?.listening === true))
      // Kill the LISTEN connection, then commit at once: the NOTIFY goes to nobody.
      const killed = yield* Effect.promise(() =>
        database.query<{ ok: boolean }>(
          "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'oneiric-supervisor-listen'"
        )
      )
      expect(killed.length).toBeGreaterThan(0)
      yield* elsewhere(url, "pause", "missed")
      // Caught up on reconnecting: far sooner than the one-minute poll.
      yield* until(refuses("missed"), 10_000)
      const status = yield* supervisor.status
      expect(status.store).toMatchObject({ listening: true, reconnects: 1 })
    }).pipe(Effect.provide(slowPolling(url)))
  })
})

describePg("PostgreSQL store: changes made by hand", () => {
  it.live("a row changed in SQL directly is followed too, by push (and by the feed when the row is too long for one)", () => {
    const url = database.store()
    const schema = new URL(url).searchParams.get("schema")!
    return Effect.gen(function*() {
      const supervisor = yield* Supervisor
      yield* until(Effect.map(supervisor.status, (s) => s.store?.listening === true))
      yield* Effect.promise(() => database.query(`INSERT INTO ${schema}.activity (domain, key, paused) VALUES ('task', 'by-hand', true)`))
      yield* until(refuses("by-hand"), 3_000)
      // A note of 9,000 characters does not fit a NOTIFY payload: the push carries the position only.
      yield* Effect.promise(() => database.query(`UPDATE ${schema}.activity SET note = repeat('x', 9000) WHERE key = 'by-hand'`))
      yield* until(Effect.sync(() => supervisor.stateOf("task", "by-hand").note?.length === 9_000), 3_000)
      yield* Effect.promise(() => database.query(`DELETE FROM ${schema}.activity WHERE key = 'by-hand'`))
      yield* until(accepts("by-hand"), 3_000)
      expect((yield* supervisor.status).appliedSeq).toBe(3)
    }).pipe(Effect.provide(slowPolling(url)))
  })
})

describePg("PostgreSQL store: fail-static", () => {
  for (const policy of ["stay-ready", "not-ready"] as const) {
    it.live(`the database going away leaves the last known state enforced (readiness policy ${policy}), and it catches up after`, () =>
      Effect.gen(function*() {
        const url = database.store()
        const proxy = yield* Effect.acquireRelease(Effect.promise(tcpProxy), (p) => Effect.promise(p.close))
        yield* elsewhere(url, "pause", "held")
        const program = Effect.gen(function*() {
          const supervisor = yield* Supervisor
          yield* until(refuses("held"))
          yield* Effect.promise(proxy.cut)
          // The lost LISTEN connection wakes the loop, whose look at the store fails.
          yield* until(Effect.map(supervisor.status, (s) => s.store?.reachable === false))
          const down = yield* supervisor.status
          expect(down.store).toMatchObject({ reachable: false, failStatic: true, outageReadiness: policy })
          expect(down.store?.downSince).not.toBeNull()
          // Stay ready by default (a blip must not take the fleet out of rotation); not-ready on request.
          expect(down.healthy).toBe(policy === "stay-ready")
          // Never "everything resumed": the paused key is still refused.
          expect(yield* refuses("held")).toBe(true)
          // Meanwhile the key is resumed through the database directly.
          yield* elsewhere(url, "resume", "held")
          expect(yield* refuses("held")).toBe(true)
          yield* Effect.promise(proxy.restore)
          // Back: the listener reconnects, the supervisor catches up from its feed position.
          yield* until(accepts("held"), 15_000)
          const up = yield* supervisor.status
          expect(up).toMatchObject({ healthy: true })
          expect(up.store).toMatchObject({ reachable: true, failStatic: false, downSince: null })
        })
        yield* Effect.provide(program, slowPolling(proxy.via(url), policy))
      }).pipe(Effect.scoped), 60_000)
  }
})

describePg("PostgreSQL store: schema, roles, connection", () => {
  it.live("twenty processes opening a fresh schema at once: one migrates, none fails", () =>
    Effect.gen(function*() {
      const url = database.store()
      const opened = yield* Effect.all(
        Array.from({ length: 20 }, () => Effect.provide(Effect.map(ActivityStore, (s) => s.describe), ActivityStore.layerPostgres({ url, maxConnections: 2 }))),
        { concurrency: "unbounded" }
      )
      expect(opened).toHaveLength(20)
      const migrated = yield* ActivityStore.migrate({ kind: "postgres", location: url })
      expect(migrated).toMatchObject({ version: 1, applied: [] })
    }), 60_000)

  it.live("a role with only the documented grants runs the store; one behind on migrations is told to run `oneiric migrate`", () =>
    Effect.gen(function*() {
      const schema = `grants_${process.pid}`
      const role = `oneiric_rt_${process.pid}`
      yield* Effect.acquireRelease(
        Effect.promise(() => adminQuery(`DROP ROLE IF EXISTS ${role}; CREATE ROLE ${role} LOGIN`)),
        () => Effect.promise(() => database.query(`DROP OWNED BY ${role}`).then(() => adminQuery(`DROP ROLE IF EXISTS ${role}`)))
      )
      const asRole = (s: string) => {
        const u = new URL(database.url())
        u.username = role
        u.search = `?schema=${s}`
        return u.toString()
      }
      // Not migrated yet, and the role may not create anything: a clear refusal.
      const refused = yield* Effect.exit(Effect.provide(ActivityStore, ActivityStore.layerPostgres({ url: asRole(schema) })))
      expect(Exit.isFailure(refused)).toBe(true)
      expect(String(Exit.isFailure(refused) ? refused.cause : "")).toMatch(/run `oneiric migrate` with a role that may create tables/)

      // Migrated by the owner; the run-time role gets exactly what docs/deploy.md lists.
      yield* ActivityStore.migrate({ kind: "postgres", location: `${database.url()}?schema=${schema}` })
      yield* Effect.promise(() =>
        database.query(`GRANT USAGE ON SCHEMA ${schema} TO ${role};
          GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${schema} TO ${role};
          GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${schema} TO ${role}`)
      )
      const url = asRole(schema)
      const done = yield* Effect.gen(function*() {
        const store = yield* ActivityStore
        const paused = yield* store.transition({ ...request("pause", "least"), expiresAt: undefined })
        yield* store.transition(request("drain", "least"))
        const changes = yield* store.changesSince(0)
        yield* store.expireDue
        const instances = yield* store.instances
        return { paused, changes, instances }
      }).pipe(Effect.provide(ActivityStore.layerPostgres({ url })))
      expect(done.paused.changed).toBe(true)
      expect(done.changes.changed.map((c) => c.key)).toEqual(["least"])
      // And it cannot change the schema.
      const ddl = yield* Effect.promise(() =>
        new Promise<string>((resolve) => {
          import("pg").then(({ default: pg }) => {
            const client = new pg.Client({ connectionString: url.replace(/\?.*$/, "") })
            client.connect()
              .then(() => client.query(`CREATE TABLE ${schema}.intruder (x int)`))
              .then(() => resolve("created"), (e: Error) => resolve(e.message))
              .finally(() => client.end())
          })
        })
      )
      expect(ddl).toMatch(/permission denied/)
    }).pipe(Effect.scoped), 60_000)

  it.live("sslmode in the URL is honoured: require refuses a server without TLS, disable connects", () =>
    Effect.gen(function*() {
      const url = database.store()
      const withTls = yield* Effect.exit(Effect.provide(ActivityStore, ActivityStore.layerPostgres({ url: `${url}&sslmode=require` })))
      expect(String(Exit.isFailure(withTls) ? withTls.cause : "")).toMatch(/does not support SSL/)
      const plain = yield* Effect.provide(Effect.map(ActivityStore, (s) => s.shared), ActivityStore.layerPostgres({ url: `${url}&sslmode=disable` }))
      expect(plain).toBe(true)
    }))

  it.live("the password never appears in a message, and a bad schema name is refused", () =>
    Effect.gen(function*() {
      const secret = "correct-horse-battery"
      const failed = yield* Effect.exit(
        Effect.provide(ActivityStore, ActivityStore.layerPostgres({ url: `postgres://someone:${secret}@127.0.0.1:1/nowhere`, connectTimeoutMs: 500 }))
      )
      const text = String(Exit.isFailure(failed) ? failed.cause : "")
      expect(text).toMatch(/postgres:\/\/someone:\*\*\*@127\.0\.0\.1:1\/nowhere/)
      expect(text).not.toContain(secret)
      const badSchema = yield* Effect.exit(Effect.provide(ActivityStore, ActivityStore.layerPostgres({ url: `${database.url()}?schema=Robert%27);DROP` })))
      expect(String(Exit.isFailure(badSchema) ? badSchema.cause : "")).toMatch(/invalid schema/)
    }))
})
