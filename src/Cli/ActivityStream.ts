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
 * with equal cells shares one), and the column widths. Numbers and bytes, not 100,000 retained strings.
 */
interface Section {
  readonly domain: string
  keys: Buffer
  readonly keyEnds: Array<number>
  readonly cellsOf: Array<number>
  readonly distinct: Array<ReadonlyArray<string>>
  readonly widths: Array<number>
}

/**
 * `activity` as text, as the table of the whole report prints it. Two passes: the rows are read first (each
 * row's key, and its cells when they differ from the row before's: a bulk pause keeps one array), measured as
 * the table measures them, then printed. `false` (nothing printed) for a time the table would not print as
 * the whole report does: print the whole report then.
 */
export const printListingText = (listing: ReportListing) =>
  Effect.gen(function*() {
    const { head } = listing
    if (listing.domains.length === 0) {
      yield* out1(`Every key is accepting work (no paused, draining or noted keys in ${head.store}).`)
      return true
    }
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
    const sections: Array<Section> = []
    let section: Section | undefined
    let at = 0
    let last = { state: "", inflight: 0, note: null as string | null, updatedAt: null as number | null, by: null as string | null, expiresAt: null as number | null }
    for (let rows = listing.next(BATCH); rows !== undefined; rows = listing.next(BATCH)) {
      for (const e of rows) {
        if (section === undefined || e.domain !== section.domain) {
          section = { domain: e.domain, keys: Buffer.allocUnsafe(1 << 16), keyEnds: [], cellsOf: [], distinct: [], widths: HEADERS.map((h) => h.length) }
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
        if (at + e.key.length > section.keys.length) {
          const larger = Buffer.allocUnsafe(Math.max(2 * section.keys.length, at + e.key.length))
          section.keys.copy(larger, 0, 0, at)
          section.keys = larger
        }
        at += section.keys.write(e.key, at, "latin1")
        section.keyEnds.push(at)
        section.cellsOf.push(section.distinct.length - 1)
        if (e.key.length > section.widths[0]!) section.widths[0] = e.key.length
      }
    }
    const out = makeByteWriter()
    const line = (text: string) => {
      out.text(text)
      out.endLine()
    }
    for (let index = 0; index < sections.length; index++) {
      const { domain, keys, keyEnds, cellsOf, distinct, widths } = sections[index]!
      const counts = head.domains[domain]!.counts
      // Sections are separated by an empty line.
      line(`${index > 0 ? "\n" : ""}${domain}: ${counts.paused} paused, ${counts.draining} draining, ${counts.noteOnly} note-only`)
      line(tableLine(widths, HEADERS))
      const rest = widths.slice(1)
      // What follows a key (its padding, then the cells), encoded once for each run of rows that share the cells
      // and each key length: in a bulk pause most lines cost a copy of their key and one more copy.
      let shared = -1
      let suffix = ""
      const encoded = new Map<number, Buffer>()
      for (let i = 0, start = 0; i < keyEnds.length; start = keyEnds[i++]!) {
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
        if (i % BATCH === BATCH - 1) yield* out.drain
      }
    }
    line(`\ntotal: ${head.totals.paused} paused, ${head.totals.draining} draining, ${head.totals.noteOnly} note-only`)
    yield* out.flush
    return true
  })

const out1 = (text: string) => {
  const out = makeLineWriter()
  out.line(text)
  return out.flush
}
