/**
 * `activity` over a streamed report (`ActivityQuery.listing`): the same bytes as printing the whole
 * `ActivityReport` (JSON: the envelope encoded by its Schema, each entry by the encoder compiled from
 * `ActivityListing`'s Schema; text: the same table), written in pieces as the rows are read.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { listingEncoderSplit } from "../Domain/Encoder.js"
import type { ListedRow, ReportListing } from "../Domain/Query.js"
import { ActivityReport } from "../Domain/Report.js"
import { makeByteWriter, makeLineWriter } from "./Output.js"
import { cell, tableLine } from "./Table.js"

/** Rows read per step. */
const BATCH = 256

/** Where the encoded envelope has a domain's (empty) entries: `domains` → domain → `entries`. */
const NO_ENTRIES = "\n      \"entries\": []"

/** `activity --json`: `JSON.stringify(Schema.encodeSync(ActivityReport)(report), null, 2)`, in pieces. */
export const printListingJson = (listing: ReportListing) =>
  Effect.gen(function*() {
    const head = JSON.stringify(yield* Effect.orDie(Schema.encode(ActivityReport)(listing.head)), null, 2)
    const parts = head.split(NO_ENTRIES)
    if (parts.length !== listing.domains.length + 1) return yield* Effect.dieMessage("activity: the encoded report does not have one entries list per domain")
    const out = makeByteWriter()
    const encode = listingEncoderSplit(4)
    // What follows an entry's key, encoded once while it stays the same string.
    let rest: string | undefined
    let restBytes: Buffer | undefined
    let first = true
    let at = -1
    const line = (text: string) => {
      out.text(text)
      out.endLine()
    }
    const close = () => {
      if (!first) out.endLine()
      if (at >= 0) line(`      ]${parts[at + 1]!}`)
    }
    const add = (row: ListedRow) => {
      if (at < 0 || row.domain !== listing.domains[at]!.domain) {
        // The envelope up to this domain's entries: the start, or what `close` printed after the last domain's.
        close()
        at++
        line(at === 0 ? `${parts[0]!}\n      "entries": [` : `      "entries": [`)
        first = true
      }
      // The previous entry gets its comma once the next one is in the same domain.
      if (!first) {
        out.text(",")
        out.endLine()
      }
      first = false
      const [start, tail] = encode(row)
      out.text(start)
      // Encoded to bytes once it repeats (a bulk pause); a row unlike the last is written as text.
      if (tail === rest) out.bytes(restBytes ??= Buffer.from(tail))
      else {
        rest = tail
        restBytes = undefined
        out.text(tail)
      }
    }
    let rows = listing.next(BATCH)
    while (rows !== undefined) {
      for (const row of rows) add(row)
      yield* out.drain
      rows = listing.next(BATCH)
    }
    if (at < 0) line(head)
    else close()
    yield* out.flush
  })

/** Times the table prints as `toISOString` does, as the whole report prints them: the years 0000–9999. */
const MIN_TIME = -62_167_219_200_000
const MAX_TIME = 253_402_300_799_999
const printable = (ms: number | null) => ms === null || (Number.isInteger(ms) && ms >= MIN_TIME && ms <= MAX_TIME)

const HEADERS = ["KEY", "STATE", "INFLIGHT", "NOTE", "UPDATED", "BY", "EXPIRES"]

/**
 * One domain's table, read before it is printed: the keys as bytes one after the other (ASCII: the listing
 * reads no other), where each ends, each row's cells after the key as an index into `distinct` (a run of rows
 * with equal cells shares one), and the column widths. Bytes and typed arrays sized from the store's count of
 * the domain's rows, not 100,000 retained strings or numbers for the garbage collector to copy.
 */
interface Section {
  readonly domain: string
  /** Rows read. */
  rows: number
  keys: Buffer
  keyEnds: Uint32Array
  cellsOf: Uint32Array
  readonly distinct: Array<ReadonlyArray<string>>
  readonly widths: Array<number>
}

/** Room for the keys of a domain of `entries` rows: most keys are shorter than this. */
const KEY_BYTES = 16

const newSection = (domain: string, entries: number): Section => {
  const room = Math.max(1, entries)
  return {
    domain,
    rows: 0,
    keys: Buffer.allocUnsafe(room * KEY_BYTES),
    keyEnds: new Uint32Array(room),
    cellsOf: new Uint32Array(room),
    distinct: [],
    widths: HEADERS.map((h) => h.length)
  }
}

/**
 * Makes room in `section`, whose keys fill `used` bytes, for one more row whose key has `keyLength` bytes (the
 * store's count was short, or the keys long).
 */
const grow = (section: Section, used: number, keyLength: number) => {
  if (used + keyLength > section.keys.length) {
    const keys = Buffer.allocUnsafe(Math.max(2 * section.keys.length, used + keyLength))
    section.keys.copy(keys, 0, 0, used)
    section.keys = keys
  }
  if (section.rows === section.keyEnds.length) {
    const keyEnds = new Uint32Array(2 * section.rows)
    keyEnds.set(section.keyEnds)
    section.keyEnds = keyEnds
    const cellsOf = new Uint32Array(2 * section.rows)
    cellsOf.set(section.cellsOf)
    section.cellsOf = cellsOf
  }
}

type ByteWriter = ReturnType<typeof makeByteWriter>

/**
 * `activity` as text, as the table of the whole report prints it. Two passes: the rows are read and measured
 * first (`readSections`), then printed. `false` (nothing printed) for a time the table would not print as the
 * whole report does: print the whole report then.
 *
 * The loops over 100,000 rows are plain functions, not this generator's body: V8 optimises a loop in a
 * generator late, and one this large more than once (four compilations, measured), which made the table
 * cost more CPU than `--json`.
 */
export const printListingText = (listing: ReportListing) =>
  Effect.gen(function*() {
    const { head } = listing
    if (listing.domains.length === 0) {
      yield* out1(`Every key is accepting work (no paused, draining or noted keys in ${head.store}).`)
      return true
    }
    const sections = readSections(listing)
    if (sections === false) return false
    const out = makeByteWriter()
    const line = (text: string) => {
      out.text(text)
      out.endLine()
    }
    for (let index = 0; index < sections.length; index++) {
      const section = sections[index]!
      const counts = head.domains[section.domain]!.counts
      // Sections are separated by an empty line.
      line(`${index > 0 ? "\n" : ""}${section.domain}: ${counts.paused} paused, ${counts.draining} draining, ${counts.noteOnly} note-only`)
      line(tableLine(section.widths, HEADERS))
      const printRows = rowPrinter(section, out)
      for (let from = 0; from < section.rows; from += BATCH) {
        printRows(from, Math.min(from + BATCH, section.rows))
        yield* out.drain
      }
    }
    line(`\ntotal: ${head.totals.paused} paused, ${head.totals.draining} draining, ${head.totals.noteOnly} note-only`)
    yield* out.flush
    return true
  })

/** Every row of the listing, read into one `Section` per domain and measured; `false` at a time the table would not print. */
const readSections = (listing: ReportListing): Array<Section> | false => {
  const times = new Map<number, string>()
  const when = (ms: number | null) => {
    if (ms === null) return "-"
    let shown = times.get(ms)
    if (shown === undefined) {
      shown = new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z")
      if (times.size < 10_000) times.set(ms, shown)
    }
    return shown
  }
  const entries = new Map(listing.domains.map((d) => [d.domain, d.entries]))
  const sections: Array<Section> = []
  let section: Section | undefined
  let at = 0
  let last = { state: "", inflight: 0, note: null as string | null, updatedAt: null as number | null, by: null as string | null, expiresAt: null as number | null }
  for (let rows = listing.next(BATCH); rows !== undefined; rows = listing.next(BATCH)) {
    for (const e of rows) {
      if (section === undefined || e.domain !== section.domain) {
        section = newSection(e.domain, entries.get(e.domain) ?? 0)
        sections.push(section)
        at = 0
      }
      if (!printable(e.updatedAt) || !printable(e.expiresAt)) return false
      const by = e.updatedBy ?? (e.source === "legacy" ? "(original)" : null)
      if (
        section.distinct.length === 0 || e.state !== last.state || e.inflight !== last.inflight || e.note !== last.note ||
        e.updatedAt !== last.updatedAt || by !== last.by || e.expiresAt !== last.expiresAt
      ) {
        last = { state: e.state, inflight: e.inflight, note: e.note, updatedAt: e.updatedAt, by, expiresAt: e.expiresAt }
        const cells = [e.state, String(e.inflight), cell(e.note), when(e.updatedAt), cell(by), when(e.expiresAt)]
        for (let i = 0; i < cells.length; i++) section.widths[i + 1] = Math.max(section.widths[i + 1]!, cells[i]!.length)
        section.distinct.push(cells)
      }
      const key = e.key
      if (section.rows === section.keyEnds.length || at + key.length > section.keys.length) grow(section, at, key.length)
      // An ASCII key, a few characters: a loop is cheaper than a call into `Buffer.write`.
      const keys = section.keys
      for (let i = 0; i < key.length; i++) keys[at++] = key.charCodeAt(i)
      section.keyEnds[section.rows] = at
      section.cellsOf[section.rows++] = section.distinct.length - 1
      if (key.length > section.widths[0]!) section.widths[0] = key.length
    }
  }
  return sections
}

/**
 * Prints rows `[from, to)` of `section`. What follows a key (its padding, then the cells) is encoded once for
 * each run of rows that share the cells and each key length: in a bulk pause most lines cost a copy of their
 * key and one more copy.
 */
const rowPrinter = ({ cellsOf, distinct, keyEnds, keys, widths }: Section, out: ByteWriter) => {
  const rest = widths.slice(1)
  let shared = -1
  let suffix = ""
  const encoded = new Map<number, Buffer>()
  return (from: number, to: number): void => {
    for (let i = from, start = from === 0 ? 0 : keyEnds[from - 1]!; i < to; start = keyEnds[i++]!) {
      if (cellsOf[i] !== shared) {
        shared = cellsOf[i]!
        suffix = tableLine(rest, distinct[shared]!)
        encoded.clear()
      }
      const pad = widths[0]! - (keyEnds[i]! - start)
      let after = encoded.get(pad)
      if (after === undefined) encoded.set(pad, after = Buffer.from(`${" ".repeat(pad + 2)}${suffix}`))
      out.range(keys, start, keyEnds[i]!)
      out.bytes(after)
      out.endLine()
    }
  }
}

const out1 = (text: string) => {
  const out = makeLineWriter()
  out.line(text)
  return out.flush
}
