/**
 * In one process, on real files: each SQLite store has an identity its backups keep; a replaced,
 * damaged and restored file is seen by the store; and what the supervisor does with a replacement
 * (HeldRows): a copy of the same store is adopted as it is, a different store never lifts a
 * restriction by itself.
 */
import { describe, expect, it } from "@effect/vitest"
import Database from "better-sqlite3"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { ActivityStore } from "../../src/ActivityStore.js"
import { CHECK_COVERS_MS } from "../../src/ActivityStore/Sqlite.js"
import { ActivityEntry } from "../../src/Domain/Activity.js"
import { ActivityKey } from "../../src/Domain/ActivityKey.js"
import type { ActivityStoreService } from "../../src/Domain/Store.js"
import { HeldRows } from "../../src/Supervisor/Replacement.js"
import { tempDir } from "../helpers.js"
import { backupFile } from "./harness.js"

const withStore = <A, E>(filename: string, f: (store: ActivityStoreService) => Effect.Effect<A, E>) =>
  Effect.scoped(Effect.flatMap(Layer.build(ActivityStore.layerSqlite({ filename })), (ctx) => Effect.flatMap(Effect.provide(ActivityStore, ctx), f)))

const pause = (store: ActivityStoreService, key: string) =>
  store.transition({ domain: "task", key: ActivityKey.make(key), action: "pause", actor: "test", source: "cli" })

const idOf = (filename: string) => {
  const db = new Database(filename, { readonly: true })
  try {
    return (db.prepare("SELECT id FROM oneiric_store").get() as { id: string }).id
  } finally {
    db.close()
  }
}

describe("store identity", () => {
  it.live("a new store gets a random id; a backup keeps it; another store has its own; the original's database gets one when adopted", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const a = path.join(dir, "a.sqlite")
      const id = yield* withStore(a, (store) => Effect.as(pause(store, "x"), store.identity?.()))
      expect(id).toMatch(/^[0-9a-f]{32}$/)
      yield* Effect.promise(() => backupFile(a, path.join(dir, "copy.sqlite")))
      expect(idOf(path.join(dir, "copy.sqlite"))).toBe(id)
      const other = yield* withStore(path.join(dir, "b.sqlite"), (store) => Effect.succeed(store.identity?.()))
      expect(other).toMatch(/^[0-9a-f]{32}$/)
      expect(other).not.toBe(id)
      const legacy = path.join(dir, "legacy.sqlite")
      const original = new Database(legacy)
      original.exec("CREATE TABLE activity (domain TEXT, key TEXT, paused INTEGER, draining INTEGER, note TEXT)")
      original.close()
      expect(yield* withStore(legacy, (store) => Effect.succeed(store.identity?.()))).toMatch(/^[0-9a-f]{32}$/)
    }))

  it.live("replaced by rename: the next read hands over the whole state with both ids; damaged in place: unavailable, then restored", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const filename = path.join(dir, "domain_activity.sqlite")
      yield* withStore(filename, (store) =>
        Effect.gen(function*() {
          yield* pause(store, "a")
          const id = store.identity?.()
          const { seq } = yield* store.snapshot
          const copy = path.join(dir, "copy.sqlite")
          yield* Effect.promise(() => backupFile(filename, copy))
          fs.renameSync(copy, filename)
          yield* store.changeToken
          const batch = yield* store.changesSince(seq)
          expect(batch).toMatchObject({ reset: true, replaced: { previousId: id, currentId: id, reason: "replaced" } })
          expect(batch.changed.map((c) => c.key)).toEqual(["a"])
          // The stale -wal/-shm of the replaced file were removed, nothing else is left beside it.
          expect(fs.readdirSync(dir).filter((f) => f.includes(".replaced-"))).toEqual([])

          const saved = path.join(tempDir(), "saved.sqlite")
          yield* Effect.promise(() => backupFile(filename, saved))
          fs.writeFileSync(filename, crypto.randomBytes(65_536))
          const failed = yield* Effect.flip(store.changeToken)
          expect(failed).toMatchObject({ _tag: "StoreUnavailable", message: expect.stringMatching(/not a usable SQLite database: the SQLite header is gone/) })
          // Writes are refused too (a commit into a damaged file would be lost).
          expect(yield* Effect.flip(pause(store, "b"))).toMatchObject({ _tag: "StoreUnavailable" })
          fs.copyFileSync(saved, filename)
          yield* store.changeToken
          const restored = yield* store.changesSince(batch.seq)
          expect(restored).toMatchObject({ reset: true, replaced: { previousId: id, currentId: id, reason: "restored" } })
          yield* pause(store, "b")
        }))
    }))

  it.live("a write looks at the file first (again once CHECK_COVERS_MS have passed): replaced by rename, it lands in the new file; deleted, it is refused", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const filename = path.join(dir, "domain_activity.sqlite")
      const keysOnDisk = () => {
        const db = new Database(filename, { readonly: true })
        try {
          return (db.prepare("SELECT key FROM activity ORDER BY key").all() as Array<{ key: string }>).map((r) => r.key)
        } finally {
          db.close()
        }
      }
      // Past the window a passed check covers, so the next write looks again (waiting at least that long, never racing it).
      const pastTheCheck = Effect.sleep(Duration.millis(CHECK_COVERS_MS + 5))
      yield* withStore(filename, (store) =>
        Effect.gen(function*() {
          yield* pause(store, "a")
          const copy = path.join(dir, "copy.sqlite")
          yield* Effect.promise(() => backupFile(filename, copy))
          fs.renameSync(copy, filename)
          yield* pastTheCheck
          yield* pause(store, "b")
          expect(keysOnDisk()).toEqual(["a", "b"])

          for (const suffix of ["", "-wal", "-shm"]) fs.rmSync(`${filename}${suffix}`, { force: true })
          yield* pastTheCheck
          expect(yield* Effect.flip(pause(store, "c"))).toMatchObject({ _tag: "StoreUnavailable", message: expect.stringMatching(/was deleted/) })
          expect(fs.existsSync(filename)).toBe(false)
        }))
    }))

  it.live("a file that fails its integrity check is not adopted", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const filename = path.join(dir, "domain_activity.sqlite")
      yield* withStore(filename, (store) =>
        Effect.gen(function*() {
          yield* pause(store, "a")
          // A valid header over broken pages.
          const broken = path.join(dir, "broken.sqlite")
          const db = new Database(broken)
          db.exec("CREATE TABLE t (x TEXT); CREATE INDEX t_x ON t (x)")
          const insert = db.prepare("INSERT INTO t VALUES (?)")
          db.transaction(() => {
            for (let i = 0; i < 2_000; i++) insert.run(`row ${i} ${"x".repeat(50)}`)
          })()
          db.close()
          const bytes = fs.readFileSync(broken)
          crypto.randomBytes(4096).copy(bytes, 4096 * 3)
          fs.writeFileSync(broken, bytes)
          fs.renameSync(broken, filename)
          const failed = yield* Effect.flip(store.changeToken)
          expect(failed.message).toMatch(/failed its integrity check: \*\*\* in database main \*\*\*; .*t_x/)
        }))
    }))
})

const row = (key: string, flags: { paused?: boolean; draining?: boolean } = { paused: true }) =>
  new ActivityEntry({
    domain: "task",
    key: ActivityKey.make(key),
    paused: flags.paused ?? false,
    draining: flags.draining ?? false,
    note: null,
    updatedAt: DateTime.unsafeMake(0),
    updatedBy: null,
    source: "cli",
    expiresAt: null
  })

describe("HeldRows: what a replacement may lift", () => {
  const now = 1_000

  it("a copy of the same store is adopted as it is: restoring a backup means its state", () => {
    const held = new HeldRows()
    const { enforced, record } = held.adopt([row("a"), row("b")], [row("a")], { previousId: "s1", currentId: "s1", reason: "replaced" }, now)
    expect(enforced.map((e) => e.key)).toEqual(["a"])
    expect(record).toMatchObject({ sameStore: true, pausedBefore: 2, pausedAfter: 1, held: 0 })
    expect(held.size).toBe(0)
  })

  it("a different store never lifts a restriction by itself; the store takes over a key once it refuses as much; the original back drops the hold", () => {
    const held = new HeldRows()
    const { enforced, record } = held.adopt([row("a"), row("b", { draining: true })], [row("c")], { previousId: "s1", currentId: "s2", reason: "replaced" }, now)
    expect(enforced.map((e) => e.key).sort()).toEqual(["a", "b", "c"])
    expect(record).toMatchObject({ sameStore: false, pausedBefore: 1, drainingBefore: 1, pausedAfter: 2, drainingAfter: 1, held: 2 })
    expect(held.problem("s2", now)).toMatch(/different store \(id s1 → s2\) that would let 2 refused key\(s\) through: holding them \(task\/a, task\/b\)/)
    // The new store resumes `a` (no row): still held. It pauses `a`: the store decides from now on.
    expect(held.enforce("task", "a", null)?.key).toBe("a")
    expect(held.enforce("task", "a", row("a"))?.key).toBe("a")
    expect(held.enforce("task", "a", null)).toBeNull()
    // Draining is not covered by a pause.
    expect(held.enforce("task", "b", row("b"))?.draining).toBe(true)
    expect(held.size).toBe(1)
    // The original store (s1) restored: its own rows decide again; `c`, paused in s2 only, is held from s2.
    const back = held.adopt(enforced, [row("a"), row("b", { draining: true })], { previousId: "s2", currentId: "s1", reason: "replaced" }, now)
    expect(back.enforced.map((e) => e.key).sort()).toEqual(["a", "b", "c"])
    expect(held.size).toBe(1)
    expect(held.problem("s1", now)).toMatch(/\(id s2 → s1\).*holding them \(task\/c\)/)
  })
})
