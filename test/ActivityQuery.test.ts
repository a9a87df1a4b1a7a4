/**
 * The streamed `activity` report (ActivityQuery.listing → Cli/ActivityStream.ts) prints exactly what the
 * whole report prints (the Schema-encoded ActivityReport, the text table), and the listing encoder compiled
 * from ActivityListing's Schema agrees with `Schema.encode` field by field.
 */
import { describe, expect, it } from "@effect/vitest"
import Database from "better-sqlite3"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as path from "node:path"
import { ActivityQuery } from "../src/ActivityQuery.js"
import { ActivityStore } from "../src/ActivityStore.js"
import { describeActivity } from "../src/Cli/Activity.js"
import { printListingText } from "../src/Cli/ActivityStream.js"
import { makeByteWriter, makeLineWriter, printLarge, StdoutBytes } from "../src/Cli/Output.js"
import { table } from "../src/Cli/Table.js"
import type { ActivityState } from "../src/Domain/Activity.js"
import type { ActivityKey } from "../src/Domain/ActivityKey.js"
import type { Domain } from "../src/Domain/Domain.js"
import { listingEncoder, listingFields } from "../src/Domain/Encoder.js"
import { InflightCount, InstanceReport } from "../src/Domain/Instance.js"
import type { ReportListing } from "../src/Domain/Query.js"
import { ActivityListing, ActivityReport } from "../src/Domain/Report.js"
import { runCli } from "./cliHarness.js"
import { tempDir } from "./helpers.js"

const HOUR = 3_600_000

const STRINGS = [
  "plain",
  "",
  "with \"quotes\" and \\backslashes\\",
  "tab\there, newline\nthere",
  "\u0000\u0001\u001f\u007f control",
  "unicode — ünïcödé ✓",
  "emoji 🚀 and a lone \ud800 surrogate",
  "\u2028 line separator \u2029",
  "</script>",
  "ok"
]
const STATES: ReadonlyArray<ActivityState> = ["accepting", "paused", "draining", "drained", "note-only"]
const TIMES = [null, 0, -1, 1_796_150_333_847, 1, 253_402_300_799_999, -62_167_219_200_000, 999]

describe("the listing encoder compiled from ActivityListing's Schema", () => {
  it("prints every field as Schema.encode + JSON.stringify(…, null, 2) does, at any depth", () => {
    // One encoder for the whole sequence too: it keeps what follows the key from one call to the next.
    const shared = listingEncoder(4)
    for (let i = 0; i < 400; i++) {
      const pick = <A>(values: ReadonlyArray<A>, salt: number) => values[(i * 7 + salt * 13 + Math.floor(i / values.length)) % values.length]!
      const time = pick(TIMES, 1)
      const expiry = pick(TIMES, 2)
      const listing = ActivityListing.make({
        key: pick(["k", "a.b.*", "*", "key:with/chars@x", "x".repeat(256)], 3) as ActivityKey,
        state: pick(STATES, 4),
        paused: i % 2 === 0,
        draining: i % 3 === 0,
        note: pick([null, ...STRINGS], 5),
        updatedAt: time === null ? null : DateTime.unsafeMake(time),
        updatedBy: pick([null, ...STRINGS], 6),
        source: pick([null, "cli", "legacy", ...STRINGS], 7),
        expiresAt: expiry === null ? null : DateTime.unsafeMake(expiry),
        inflight: pick([0, 1, 42, 1e9, 0.5], 8)
      })
      const encoded = JSON.stringify(Schema.encodeSync(ActivityListing)(listing), null, 2)
      expect(listingEncoder(0)(listingFields(listing))).toBe(encoded)
      const indented = encoded.split("\n").map((line) => `        ${line}`).join("\n")
      expect(listingEncoder(4)(listingFields(listing))).toBe(indented)
      expect(shared(listingFields(listing))).toBe(indented)
      // The same fields under another key, then the same again.
      const other = ActivityListing.make({ ...listing, key: `n${listing.key.slice(1)}` as ActivityKey })
      expect(shared(listingFields(other))).toBe(JSON.stringify(Schema.encodeSync(ActivityListing)(other), null, 2).split("\n").map((line) => `        ${line}`).join("\n"))
      expect(shared(listingFields(listing))).toBe(indented)
    }
  })
})

describe("large output", () => {
  it("printLarge and the line writer print the same text as one Console.log, in pieces", () =>
    Effect.gen(function*() {
      const lines = Array.from({ length: 60_000 }, (_, i) => `line ${i} ${"x".repeat(i % 17)}`)
      const text = lines.join("\n")
      const logged: Array<string> = []
      const console = yield* Effect.console
      const capture = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
        Effect.withConsole(effect, { ...console, log: (...args) => Effect.sync(() => void logged.push(args.join(" "))) })
      yield* capture(printLarge(text))
      expect(logged.length).toBeGreaterThan(1)
      expect(logged.join("\n")).toBe(text)
      logged.length = 0
      const out = makeLineWriter()
      for (const line of lines) out.line(line)
      yield* capture(Effect.zipRight(out.drain, out.flush))
      expect(logged.length).toBeGreaterThan(1)
      expect(logged.join("\n")).toBe(text)
    }))

  it("the byte writer hands StdoutBytes pieces of whole lines (never through Console), a line left open at a drain, Unicode and repeated bytes included", () =>
    Effect.gen(function*() {
      const lines = Array.from({ length: 60_000 }, (_, i) => `line ${i} ${i % 7 === 0 ? "✓ “quoted”" : "x".repeat(i % 17)}`)
      const pieces: Array<Buffer> = []
      const console = yield* Effect.console
      const out = makeByteWriter(4096)
      const repeated = Buffer.from(" — same tail")
      // As `activity --json` does: a drain after every batch of rows, with the last line still open (its comma
      // comes with the next one).
      yield* Effect.gen(function*() {
        for (let i = 0; i < lines.length; i++) {
          if (i > 0) {
            out.text(",")
            out.endLine()
          }
          out.text(lines[i]!)
          out.bytes(repeated)
          if (i % 256 === 255) yield* out.drain
        }
        out.endLine()
        yield* out.flush
      }).pipe(
        // A copy: the writer uses its buffer again once `write` is done.
        Effect.provideService(StdoutBytes, { write: (piece) => Effect.sync(() => void pieces.push(Buffer.from(piece))) }),
        Effect.withConsole({ ...console, log: () => Effect.die("the byte writer printed through Console") })
      )
      expect(pieces.length).toBeGreaterThan(1)
      for (const piece of pieces) expect(piece.at(-1)).toBe(10)
      expect(Buffer.concat(pieces).toString("utf8")).toBe(`${lines.map((line) => `${line} — same tail`).join(",\n")}\n`)
    }))

  it("a table of 200,000 rows (Math.max(...rows) overflowed the stack past ~125,000)", () => {
    const rows = Array.from({ length: 200_000 }, (_, i) => [`k${i}`, i % 2 === 0 ? "paused" : "note-only", "last"])
    const printed = table(["KEY", "STATE", "X"], rows).split("\n")
    expect(printed).toHaveLength(200_001)
    expect(printed[0]).toBe("KEY      STATE      X")
    expect(printed[200_000]).toBe("k199999  note-only  last")
  })
})

/** A store with rows of every kind: states, expired rows, notes with quotes and Unicode, the original's writes. */
const fillStore = (filename: string, now: number, extra: (db: Database.Database) => void = () => {}) =>
  Effect.gen(function*() {
    const store = yield* ActivityStore
    const transition = (domain: Domain, key: string, action: "pause" | "drain", note?: string) =>
      store.transition({ domain, key: key as ActivityKey, action, note, actor: "alice@ops", source: "cli" })
    yield* transition("task", "reports.daily", "pause", "carrier \"outage\" — see ticket ✓")
    yield* transition("task", "reports.*", "drain")
    yield* transition("workflow", "checkout", "drain", "draining for the deploy")
    yield* transition("workflow", "billing.export", "pause")
    yield* transition("event", "*", "pause", "all events")
    yield* store.publishInstance(new InstanceReport({
      id: "web-1:1:abc",
      pid: 1,
      host: "web-1",
      startedAt: DateTime.unsafeMake(now - HOUR),
      heartbeatAt: DateTime.unsafeMake(now),
      heartbeatIntervalMs: HOUR,
      appliedSeq: 1,
      inflight: [new InflightCount({ domain: "workflow", key: "checkout" as ActivityKey, count: 3 })]
    }))
    const db = new Database(filename)
    const insert = db.prepare(
      "INSERT INTO activity (domain, key, paused, draining, note, updated_at, updated_by, source, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    db.transaction(() => {
      db.exec("INSERT INTO oneiric_writing (writing) VALUES (1)")
      insert.run("task", "expired.pause", 1, 0, "gone", now - 2 * HOUR, "bob", "cli", now - HOUR)
      insert.run("task", "later.pause", 1, 0, null, now - HOUR, "bob", "api", now + 5 * HOUR)
      insert.run("task", "noted", 0, 0, "just a note", now, "carol", "http", null)
      insert.run("adapter", "legacy.one", 1, 1, null, now, null, "legacy", null)
      insert.run("adapter", "adopted", 0, 1, "written before adoption", null, null, null, null)
      insert.run("service", "bare", 0, 0, null, null, null, null, null)
      insert.run("unknown-domain", "ignored", 1, 0, null, null, null, null, null)
      for (let i = 0; i < 300; i++) insert.run("action", `bulk.${String(i).padStart(4, "0")}`, i % 3 === 0 ? 1 : 0, i % 3 === 1 ? 1 : 0, i % 5 === 0 ? `note ${i}` : null, now - i, i % 2 === 0 ? "ops" : null, "cli", null)
      db.exec("DELETE FROM oneiric_writing")
    })()
    extra(db)
    db.close()
  })

/** What the whole report prints (the path the CLI took before streaming, and still takes with --state/--key). */
const expected = (filename: string, domain?: Domain) =>
  Effect.gen(function*() {
    const query = yield* ActivityQuery
    const report = yield* query.report({ domain })
    const listing = yield* Effect.scoped(query.listing({ domain }))
    return { json: JSON.stringify(Schema.encodeSync(ActivityReport)(report), null, 2), text: describeActivity(report), streamed: listing !== null }
  }).pipe(Effect.provide(ActivityQuery.layer.pipe(Layer.provideMerge(ActivityStore.layerSqlite({ filename })))))

/** `printListingText` over the store's listing (as `adjust` leaves it): whether it printed, and what. */
const streamText = (filename: string, adjust: (listing: ReportListing) => ReportListing = (listing) => listing) =>
  Effect.gen(function*() {
    const pieces: Array<Buffer> = []
    const streamed = yield* Effect.scoped(Effect.flatMap(ActivityQuery, (q) => q.listing({})).pipe(
      Effect.flatMap((listing) => (listing === null ? Effect.succeed(false) : printListingText(adjust(listing))))
    )).pipe(Effect.provideService(StdoutBytes, { write: (piece) => Effect.sync(() => void pieces.push(Buffer.from(piece))) }))
    return { streamed, text: Buffer.concat(pieces).toString("utf8") }
  }).pipe(Effect.provide(ActivityQuery.layer.pipe(Layer.provideMerge(ActivityStore.layerSqlite({ filename })))))

describe("activity streamed from the SQLite store's listing read", () => {
  const setUp = (extra?: (db: Database.Database) => void) =>
    Effect.gen(function*() {
      const dir = tempDir()
      const filename = path.join(dir, "domain_activity.sqlite")
      const now = Date.now()
      yield* fillStore(filename, now, extra).pipe(Effect.provide(ActivityStore.layerSqlite({ filename })))
      return { dir, filename }
    })

  it.live("prints the bytes the whole report prints: JSON and text, every domain and each one", () =>
    Effect.gen(function*() {
      const { dir, filename } = yield* setUp()
      for (const domain of [undefined, "task", "workflow", "adapter", "action", "event", "service"] as const) {
        const want = yield* expected(filename, domain)
        expect(want.streamed).toBe(true)
        const filter = domain === undefined ? [] : ["--domain", domain]
        const json = yield* runCli("--cache-dir", dir, "activity", ...filter, "--json")
        expect(json.code).toBe(0)
        expect(json.stdout).toBe(want.json)
        const text = yield* runCli("--cache-dir", dir, "activity", ...filter)
        expect(text.code).toBe(0)
        expect(text.stdout).toBe(want.text)
      }
      // The busy domain (work in flight on checkout) lists it as draining, the drained rows as drained.
      const listed = JSON.parse((yield* runCli("--cache-dir", dir, "activity", "--json")).stdout)
      expect(listed.domains.workflow.entries.find((e: { key: string }) => e.key === "checkout")).toMatchObject({ state: "draining", inflight: 3 })
      expect(listed.domains.task.entries.find((e: { key: string }) => e.key === "expired.pause")).toMatchObject({ state: "accepting" })
      expect(listed.domains["unknown-domain"]).toBeUndefined()
    }))

  it.live("an empty store, and a domain with no rows", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const filename = path.join(dir, "domain_activity.sqlite")
      yield* Effect.provide(ActivityStore, ActivityStore.layerSqlite({ filename }))
      for (const args of [[], ["--domain", "task"]]) {
        const want = yield* expected(filename, args.length === 0 ? undefined : "task")
        expect((yield* runCli("--cache-dir", dir, "activity", ...args, "--json")).stdout).toBe(want.json)
        expect((yield* runCli("--cache-dir", dir, "activity", ...args)).stdout).toBe(want.text)
      }
    }))

  it.live("rows in an irregular shape (the original's text flags, a time past the year 9999) go through the whole report", () =>
    Effect.gen(function*() {
      const irregular = [
        "INSERT INTO activity (domain, key, paused, draining, note) VALUES ('task', 'text.flags', 'true', 0, NULL)",
        "INSERT INTO activity (domain, key, paused, draining, note, updated_at) VALUES ('task', 'far.future', 1, 0, NULL, 253402300800000)"
      ]
      for (const statement of irregular) {
        const { dir, filename } = yield* setUp((db) => {
          db.exec("INSERT INTO oneiric_writing (writing) VALUES (1)")
          db.exec(statement)
          db.exec("DELETE FROM oneiric_writing")
        })
        const want = yield* expected(filename)
        // The far-future time only upsets the table (which prints the whole report, not its own times): JSON still streams.
        expect(want.streamed).toBe(statement.includes("far.future"))
        if (want.streamed) expect((yield* streamText(filename)).streamed).toBe(false)
        expect((yield* runCli("--cache-dir", dir, "activity", "--json")).stdout).toBe(want.json)
        expect((yield* runCli("--cache-dir", dir, "activity")).stdout).toBe(want.text)
      }
    }))

  it.live("keys another writer stored outside our key characters are read, listed and reported, never a crash", () =>
    Effect.gen(function*() {
      const { dir, filename } = yield* setUp((db) => {
        db.exec("INSERT INTO oneiric_writing (writing) VALUES (1)")
        db.exec("INSERT INTO activity (domain, key, paused, draining, note) VALUES ('task', 'ключ', 1, 0, NULL), ('task', 'has space', 0, 1, NULL)")
        db.exec("DELETE FROM oneiric_writing")
      })
      const want = yield* expected(filename)
      const json = yield* runCli("--cache-dir", dir, "activity", "--json")
      expect(json.code).toBe(0)
      expect(json.stdout).toBe(want.json)
      const keys = JSON.parse(json.stdout).domains.task.entries.map((e: { key: string }) => e.key)
      expect(keys).toEqual(expect.arrayContaining(["ключ", "has space"]))
      const text = yield* runCli("--cache-dir", dir, "activity")
      expect(text.code).toBe(0)
      expect(text.stdout).toContain("ключ")
      // Operators still type keys from the documented set only.
      expect((yield* runCli("--cache-dir", dir, "pause", "--domain", "task", "--key", "другой")).code).toBe(2)
    }))

  it.live("non-ASCII notes and actors: the table streams too, measured as the whole report measures it", () =>
    Effect.gen(function*() {
      const { filename } = yield* setUp()
      const want = yield* expected(filename)
      expect(want.text).toContain("carrier \"outage\" — see ticket ✓")
      expect(yield* streamText(filename)).toEqual({ streamed: true, text: `${want.text}\n` })
    }))

  it.live("long keys, and a count of rows short of the rows read: the table grows its room and prints the same", () =>
    Effect.gen(function*() {
      const { filename } = yield* setUp((db) => {
        db.exec("INSERT INTO oneiric_writing (writing) VALUES (1)")
        const insert = db.prepare("INSERT INTO activity (domain, key, paused, draining) VALUES ('service', ?, 1, 0)")
        // Up to 200 characters: far more than the room a domain's count of rows makes for its keys.
        for (let i = 0; i < 600; i++) insert.run(`${"long.".repeat(i % 40)}${i}`)
        db.exec("DELETE FROM oneiric_writing")
      })
      const want = `${(yield* expected(filename)).text}\n`
      expect(yield* streamText(filename)).toEqual({ streamed: true, text: want })
      const short = (listing: ReportListing): ReportListing => ({ ...listing, domains: listing.domains.map((d) => ({ ...d, entries: 1 })) })
      expect(yield* streamText(filename, short)).toEqual({ streamed: true, text: want })
    }))

  it.live("--state and --key keep the whole report (and the memory store has no listing read)", () =>
    Effect.gen(function*() {
      const { filename } = yield* setUp()
      const listings = yield* Effect.gen(function*() {
        const query = yield* ActivityQuery
        return [
          yield* Effect.scoped(query.listing({ state: "paused" })),
          yield* Effect.scoped(query.listing({ key: "checkout" }))
        ]
      }).pipe(Effect.provide(ActivityQuery.layer.pipe(Layer.provideMerge(ActivityStore.layerSqlite({ filename })))))
      expect(listings).toEqual([null, null])
      const memory = yield* Effect.scoped(Effect.flatMap(ActivityQuery, (q) => q.listing())).pipe(
        Effect.provide(ActivityQuery.layer.pipe(Layer.provideMerge(ActivityStore.layerMemory)))
      )
      expect(memory).toBeNull()
    }))
})
