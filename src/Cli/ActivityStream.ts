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
import type { DomainListingStats } from "../Domain/Store.js"
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

const STATE_WIDTH = { paused: 6, drained: 7, draining: 8, noteOnly: 9, accepting: 9 } as const

/**
 * The column widths of each domain's table, from the store's statistics; `null` when they do not say
 * (non-ASCII notes, a domain with work in flight where the draining/drained split decides the width).
 */
const widthsOf = (d: DomainListingStats, busy: boolean): ReadonlyArray<number> | null => {
  const w = d.widths
  if (w === null || w.note === null || w.updatedBy === null) return null
  let state = 5
  if (d.paused > 0) state = Math.max(state, STATE_WIDTH.paused)
  if (d.noteOnly > 0) state = Math.max(state, STATE_WIDTH.noteOnly)
  if (d.accepting > 0) state = Math.max(state, STATE_WIDTH.accepting)
  if (d.draining > 0) {
    if (!busy) state = Math.max(state, STATE_WIDTH.drained)
    else if (state < STATE_WIDTH.draining) return null
  }
  // In-flight counts below 100,000,000 fit under the header; UPDATED is "-" or a 20-character time.
  return [Math.max(3, w.key), state, 8, Math.max(4, w.note), w.anyUpdatedAt ? 20 : 7, Math.max(2, w.updatedBy)]
}

const HEADERS = ["KEY", "STATE", "INFLIGHT", "NOTE", "UPDATED", "BY", "EXPIRES"]

/**
 * `activity` as text, as the table of the whole report prints it; `false` (nothing printed) when the
 * statistics cannot give the column widths: print the whole report then.
 */
export const printListingText = (listing: ReportListing) =>
  Effect.gen(function*() {
    const widths = listing.domains.map((d) => widthsOf(d, listing.busy.has(d.domain)))
    if (widths.some((w) => w === null)) return false
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
    const out = makeByteWriter()
    const line = (text: string) => {
      out.text(text)
      out.endLine()
    }
    let at = -1
    let columns: ReadonlyArray<number> = []
    const start = (index: number) => {
      const { domain } = listing.domains[index]!
      const counts = head.domains[domain]!.counts
      // Sections are separated by an empty line.
      line(`${index > 0 ? "\n" : ""}${domain}: ${counts.paused} paused, ${counts.draining} draining, ${counts.noteOnly} note-only`)
      columns = widths[index]!
      line(tableLine(columns, HEADERS))
    }
    let suffix: string | undefined
    let suffixBytes: Buffer | undefined
    let last = { state: "", inflight: 0, note: null as string | null, updatedAt: null as number | null, by: null as string | null, expiresAt: null as number | null }
    let rows = listing.next(BATCH)
    while (rows !== undefined) {
      for (const e of rows) {
        if (at < 0 || e.domain !== listing.domains[at]!.domain) {
          start(++at)
          suffix = undefined
        }
        const by = e.updatedBy ?? (e.source === "legacy" ? "(original)" : null)
        // What follows the key is the previous line's while its cells are (a bulk pause: most lines).
        if (
          suffix === undefined || e.state !== last.state || e.inflight !== last.inflight || e.note !== last.note ||
          e.updatedAt !== last.updatedAt || by !== last.by || e.expiresAt !== last.expiresAt
        ) {
          last = { state: e.state, inflight: e.inflight, note: e.note, updatedAt: e.updatedAt, by, expiresAt: e.expiresAt }
          suffix = tableLine(columns.slice(1), [e.state, String(e.inflight), cell(e.note), when(e.updatedAt), cell(by), when(e.expiresAt)])
          suffixBytes = undefined
          out.text(`${e.key.padEnd(columns[0]!)}  ${suffix}`)
        } else {
          // Encoded to bytes once it repeats.
          out.text(`${e.key.padEnd(columns[0]!)}  `)
          out.bytes(suffixBytes ??= Buffer.from(suffix))
        }
        out.endLine()
      }
      yield* out.drain
      rows = listing.next(BATCH)
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
