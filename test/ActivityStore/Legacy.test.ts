/** A database written by the Python original (the five-column table only) is adopted in place. */
import { describe, expect, it } from "@effect/vitest"
import Database from "better-sqlite3"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import * as path from "node:path"
import * as Layer from "effect/Layer"
import { ActivityQuery } from "../../src/ActivityQuery.js"
import { ActivityStore } from "../../src/ActivityStore.js"
import { LATEST_MIGRATION } from "../../src/ActivityStore/Migrations.js"
import { ActivityKey } from "../../src/Domain/ActivityKey.js"
import type { Domain } from "../../src/Domain/Domain.js"
import { tempDir } from "../helpers.js"

const effectiveOf = (domain: Domain, key: ActivityKey) => Effect.flatMap(ActivityQuery, (query) => query.effective(domain, key))

const ORIGINAL_SCHEMAS = {
  "with its primary key": `CREATE TABLE activity (domain TEXT NOT NULL, key TEXT NOT NULL, paused INTEGER NOT NULL DEFAULT 0,
    draining INTEGER NOT NULL DEFAULT 0, note TEXT, PRIMARY KEY (domain, key))`,
  "without a unique key": `CREATE TABLE activity (domain TEXT, key TEXT, paused INTEGER, draining INTEGER, note TEXT)`
}

const legacyDatabase = (schema: string) => {
  const filename = path.join(tempDir(), "domain_activity.sqlite")
  const db = new Database(filename)
  db.exec(schema)
  const insert = db.prepare("INSERT INTO activity (domain, key, paused, draining, note) VALUES (?, ?, ?, ?, ?)")
  insert.run("adapter", "cache.redis", 1, 0, "flaky")
  insert.run("workflow", "nightly", 0, 1, null)
  insert.run("task", "reindex", 0, 0, "waiting for approval")
  db.close()
  return filename
}

/** What the original does: write the five columns, delete a default row. */
const originalWrites = (filename: string, write: (db: Database.Database) => void) => {
  const db = new Database(filename)
  try {
    write(db)
  } finally {
    db.close()
  }
}

for (const [name, schema] of Object.entries(ORIGINAL_SCHEMAS)) {
  describe(`a database of the original ${name}`, () => {
    it.effect("is read, upgraded in place, and later writes by the original are still seen", () => {
      const filename = legacyDatabase(schema)
      return Effect.gen(function*() {
        const store = yield* ActivityStore
        const rows = yield* store.list()
        expect(rows.map((r) => `${r.domain}/${r.key}:${r.paused}:${r.draining}:${r.note}`)).toEqual([
          "adapter/cache.redis:true:false:flaky",
          "task/reindex:false:false:waiting for approval",
          "workflow/nightly:false:true:null"
        ])
        expect(rows[0]).toMatchObject({ updatedAt: null, updatedBy: null, source: null, expiresAt: null })
        expect((yield* effectiveOf("task", ActivityKey.make("reindex"))).state).toBe("note-only")
        expect((yield* effectiveOf("adapter", ActivityKey.make("cache.redis"))).state).toBe("paused")

        const start = yield* store.changesSince(0)
        originalWrites(filename, (db) => {
          db.prepare("INSERT INTO activity (domain, key, paused, draining, note) VALUES (?, ?, ?, ?, ?)").run("service", "api", 1, 0, "from python")
          db.prepare("DELETE FROM activity WHERE domain = ? AND key = ?").run("workflow", "nightly")
        })
        expect((yield* effectiveOf("service", ActivityKey.make("api"))).state).toBe("paused")
        const changes = yield* store.changesSince(start.seq)
        expect(changes.changed.map((c) => `${c.domain}/${c.key}:${c.entry === null ? "gone" : "row"}`).sort()).toEqual([
          "service/api:row",
          "workflow/nightly:gone"
        ])

        // Our write to a row the original made, read back by the original's own query.
        yield* store.transition({ domain: "adapter", key: ActivityKey.make("cache.redis"), action: "drain", actor: "ops", source: "cli" })
        originalWrites(filename, (db) => {
          const row = db.prepare("SELECT domain, key, paused, draining, note FROM activity WHERE domain = 'adapter'").get()
          expect(row).toEqual({ domain: "adapter", key: "cache.redis", paused: 1, draining: 1, note: "flaky" })
          const columns = db.prepare("SELECT name FROM pragma_table_info('activity')").all().map((c) => (c as { name: string }).name)
          expect(columns).toEqual(["domain", "key", "paused", "draining", "note", "updated_at", "updated_by", "source", "expires_at"])
        })
        yield* store.transition({ domain: "adapter", key: ActivityKey.make("cache.redis"), action: "resume", actor: "ops", source: "cli" })
        originalWrites(filename, (db) => {
          expect(db.prepare("SELECT COUNT(*) AS n FROM activity WHERE domain = 'adapter'").get()).toEqual({ n: 0 })
        })
      }).pipe(Effect.provide(ActivityQuery.layer.pipe(Layer.provideMerge(ActivityStore.layerSqlite({ filename })))))
    })
  })
}

describe("reopening", () => {
  it.effect("state and history survive a restart; migrations run once", () => {
    const filename = path.join(tempDir(), "domain_activity.sqlite")
    const layer = () => ActivityStore.layerSqlite({ filename })
    return Effect.gen(function*() {
      yield* Effect.provide(
        Effect.flatMap(ActivityStore, (store) => store.transition({ domain: "task", key: ActivityKey.make("a"), action: "pause", note: "kept", actor: "ops", source: "api" })),
        layer()
      )
      const again = yield* Effect.provide(
        Effect.flatMap(ActivityStore, (store) => Effect.all([store.get("task", ActivityKey.make("a")), store.history()])),
        layer()
      )
      expect(again[0]).toMatchObject({ paused: true, note: "kept" })
      expect(again[1]).toHaveLength(1)
      originalWrites(filename, (db) => {
        expect(db.prepare("SELECT COUNT(*) AS n, COUNT(DISTINCT migration_id) AS once, MAX(migration_id) AS latest FROM oneiric_migrations").get())
          .toMatchObject({ once: expect.any(Number), latest: LATEST_MIGRATION })
        const counts = db.prepare("SELECT COUNT(*) AS n, COUNT(DISTINCT migration_id) AS once FROM oneiric_migrations").get() as { n: number; once: number }
        expect(counts.n).toBe(counts.once)
        expect(db.pragma("journal_mode", { simple: true })).toBe("wal")
      })
    })
  })
})

/** The original's write: its five columns, an upsert that names only them, a delete for the default state. */
const originalSet = (filename: string, domain: string, key: string, flags: { paused: boolean; draining: boolean; note: string | null }) =>
  originalWrites(filename, (db) => {
    if (!flags.paused && !flags.draining && flags.note === null) {
      db.prepare("DELETE FROM activity WHERE domain = ? AND key = ?").run(domain, key)
      return
    }
    db.prepare(`INSERT INTO activity (domain, key, paused, draining, note) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (domain, key) DO UPDATE SET paused = excluded.paused, draining = excluded.draining, note = excluded.note`)
      .run(domain, key, flags.paused ? 1 : 0, flags.draining ? 1 : 0, flags.note)
  })

describe("writes by the original after this store adopted the file (migration 0006)", () => {
  it.effect("clear the expiry, are attributed source legacy with no actor, and appear in the history with the action they amount to", () => {
    const filename = path.join(tempDir(), "domain_activity.sqlite")
    return Effect.gen(function*() {
      const store = yield* ActivityStore
      const key = ActivityKey.make("nightly")
      const expiresAt = DateTime.add(yield* DateTime.now, { minutes: 5 })
      yield* store.transition({ domain: "task", key, action: "pause", actor: "ops", source: "cli", expiresAt })

      originalSet(filename, "task", "nightly", { paused: true, draining: true, note: "from python" })
      expect(yield* store.get("task", key)).toMatchObject({
        paused: true, draining: true, note: "from python", expiresAt: null, updatedBy: null, source: "legacy", updatedAt: expect.anything()
      })
      originalSet(filename, "task", "nightly", { paused: false, draining: true, note: "from python" })
      originalSet(filename, "task", "nightly", { paused: false, draining: true, note: "still from python" })
      originalSet(filename, "task", "nightly", { paused: false, draining: false, note: null })
      originalSet(filename, "task", "memo", { paused: false, draining: false, note: "read me" })

      const history = [...(yield* store.history())].reverse()
      expect(history.map((t) => [t.key, t.action, t.paused, t.draining, t.note, t.actor, t.source])).toEqual([
        ["nightly", "pause", true, false, null, "ops", "cli"],
        ["nightly", "drain", true, true, "from python", null, "legacy"],
        ["nightly", "clear-pause", false, true, "from python", null, "legacy"],
        ["nightly", "drain", false, true, "still from python", null, "legacy"],
        ["nightly", "resume", false, false, null, null, "legacy"],
        ["memo", "note", false, false, "read me", null, "legacy"]
      ])
      expect(history.every((t) => t.expiresAt === null || t.source === "cli")).toBe(true)
    }).pipe(Effect.provide(ActivityStore.layerSqlite({ filename })))
  })

  it.effect("an indefinite pause by the original after `pause --for` is not dropped at the old expiry", () => {
    const filename = path.join(tempDir(), "domain_activity.sqlite")
    return Effect.gen(function*() {
      const store = yield* ActivityStore
      const key = ActivityKey.make("nightly")
      yield* store.transition({ domain: "task", key, action: "pause", actor: "ops", source: "cli", expiresAt: DateTime.add(yield* DateTime.now, { seconds: 2 }) })
      originalSet(filename, "task", "nightly", { paused: true, draining: true, note: null })
      yield* TestClock.adjust("1 hour")
      expect(yield* store.expireDue).toEqual([])
      expect(yield* store.get("task", key)).toMatchObject({ paused: true, draining: true, expiresAt: null })
    }).pipe(Effect.provide(ActivityStore.layerSqlite({ filename })))
  })

  it.effect("a write by the original that changes nothing records nothing, unless it clears an expiry", () => {
    const filename = path.join(tempDir(), "domain_activity.sqlite")
    return Effect.gen(function*() {
      const store = yield* ActivityStore
      const key = ActivityKey.make("k")
      yield* store.transition({ domain: "task", key, action: "pause", note: "n", actor: "ops", source: "cli" })
      originalSet(filename, "task", "k", { paused: true, draining: false, note: "n" })
      expect(yield* store.get("task", key)).toMatchObject({ updatedBy: "ops", source: "cli" })
      expect(yield* store.history()).toHaveLength(1)

      yield* store.transition({ domain: "task", key, action: "pause", note: "n", actor: "ops", source: "cli", expiresAt: DateTime.add(yield* DateTime.now, { hours: 1 }) })
      originalSet(filename, "task", "k", { paused: true, draining: false, note: "n" })
      expect(yield* store.get("task", key)).toMatchObject({ expiresAt: null, source: "legacy", updatedBy: null })
      expect((yield* store.history()).map((t) => `${t.action}:${t.source}`)).toEqual(["pause:legacy", "pause:cli", "pause:cli"])
    }).pipe(Effect.provide(ActivityStore.layerSqlite({ filename })))
  })

  it.effect("this project's own writes, expiries included, are never attributed to the original", () => {
    const filename = path.join(tempDir(), "domain_activity.sqlite")
    return Effect.gen(function*() {
      const store = yield* ActivityStore
      const now = yield* DateTime.now
      for (const [k, action] of [["a", "pause"], ["a", "drain"], ["a", "clear-pause"], ["a", "resume"], ["b", "drain"]] as const) {
        yield* store.transition({ domain: "task", key: ActivityKey.make(k), action, actor: "ops", source: "api" })
      }
      yield* store.transition({ domain: "task", key: ActivityKey.make("c"), action: "pause", actor: "ops", source: "api", expiresAt: DateTime.add(now, { millis: 1 }) })
      yield* TestClock.adjust("5 millis")
      expect(yield* store.expireDue).toHaveLength(1)
      const history = yield* store.history()
      expect(history.map((t) => t.source)).not.toContain("legacy")
      expect(history).toHaveLength(7)
      originalWrites(filename, (db) => expect(db.prepare("SELECT COUNT(*) AS n FROM oneiric_writing").get()).toEqual({ n: 0 }))
    }).pipe(Effect.provide(ActivityStore.layerSqlite({ filename })))
  })
})
