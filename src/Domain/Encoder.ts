/**
 * `ActivityListing`'s JSON, compiled once from its Schema, for reports of 100,000 rows: what
 * `JSON.stringify(Schema.encodeSync(ActivityListing)(listing), null, 2)` prints, indented to the depth at
 * which `activity --json` prints its entries, without a Schema encode per row. The field order, the wire
 * names (`updated_at`, …) and which fields are times come from the Schema itself (one sample encoded when
 * the module loads); a test holds every field against `Schema.encode` (test/ActivityQuery.test.ts).
 */
import * as DateTime from "effect/DateTime"
import * as Schema from "effect/Schema"
import type { ActivityState } from "./Activity.js"
import type { ActivityKey } from "./ActivityKey.js"
import { ActivityListing } from "./Report.js"

/** An `ActivityListing`'s fields as plain values: times in epoch milliseconds. */
export interface ListingFields {
  readonly key: string
  readonly state: ActivityState
  readonly paused: boolean
  readonly draining: boolean
  readonly note: string | null
  readonly updatedAt: number | null
  readonly updatedBy: string | null
  readonly source: string | null
  readonly expiresAt: number | null
  readonly inflight: number
}

/** The plain fields of a listing (for tests and for reports built as Schema classes). */
export const listingFields = (listing: ActivityListing): ListingFields => ({
  ...listing,
  updatedAt: listing.updatedAt === null ? null : DateTime.toEpochMillis(listing.updatedAt),
  expiresAt: listing.expiresAt === null ? null : DateTime.toEpochMillis(listing.expiresAt)
})

/** Each field of the Schema, in its order: its name in code, its name on the wire, whether it is a time. */
const layout = (() => {
  const at = DateTime.unsafeMake(0)
  const sample = ActivityListing.make({
    key: "k" as ActivityKey,
    state: "paused",
    paused: true,
    draining: false,
    note: null,
    updatedAt: at,
    updatedBy: null,
    source: null,
    expiresAt: at,
    inflight: 0
  })
  const names = Object.keys(ActivityListing.fields)
  const wire = Object.keys(Schema.encodeSync(ActivityListing)(sample))
  if (names.length !== wire.length) throw new Error("ActivityListing: fields and encoded fields differ")
  return names.map((name, i) => ({ name, wire: wire[i]!, time: DateTime.isDateTime((sample as unknown as Record<string, unknown>)[name]) }))
})()

/** A JSON value as `JSON.stringify` prints it (strings escaped, non-finite numbers as null). */
const json = (value: unknown): string =>
  value === null ? "null" : typeof value === "string" ? JSON.stringify(value) : typeof value === "number" ? (Number.isFinite(value) ? String(value) : "null") : String(value)

/**
 * An encoder of listings as they print at `depth` levels of two-space indentation (`activity --json`
 * prints its entries at depth 4). Times are cached (most rows of a large store share a few).
 */
export const listingEncoder = (depth: number): (fields: ListingFields) => string => {
  const split = listingEncoderSplit(depth)
  return (fields) => {
    const [head, rest] = split(fields)
    return head + rest
  }
}

/**
 * `listingEncoder`, in two parts: up to and including the first field's value, and the rest (the same
 * string, identical, as long as the fields after the first are the same as in the previous call).
 */
export const listingEncoderSplit = (depth: number): (fields: ListingFields) => readonly [string, string] => {
  const times = new Map<number, string>()
  const time = (ms: number | null): string => {
    if (ms === null) return "null"
    let shown = times.get(ms)
    if (shown === undefined) {
      // As the Schema's DateTimeUtc encodes it (DateTime.formatIso).
      shown = `"${new Date(ms).toISOString()}"`
      if (times.size < 10_000) times.set(ms, shown)
    }
    return shown
  }
  const outer = " ".repeat(depth * 2)
  const inner = " ".repeat(depth * 2 + 2)
  // One literal before each value (`{\n  "key": `, `,\n  "state": `, …) and one after the last: every `+`
  // of the generated function joins a value and a literal, no two literals. What follows the first field
  // is kept from the previous call while those fields are the same (neighbouring rows of a large store
  // mostly are: one operator's bulk pause): then an entry costs two concatenations, not twenty.
  const literals = layout.map(({ wire }, i) => `${i === 0 ? `${outer}{\n` : ",\n"}${inner}${JSON.stringify(wire)}: `)
  const value = (i: number) => `${layout[i]!.time ? "time" : "json"}(v${i})`
  const rest = layout.map((_, i) => i).slice(1)
  const body = [
    ...rest.map((i) => `const v${i} = f[${JSON.stringify(layout[i]!.name)}]`),
    `if (suffix === undefined || ${rest.map((i) => `v${i} !== p${i}`).join(" || ")}) {`,
    ...rest.map((i) => `  p${i} = v${i}`),
    `  suffix = ${rest.map((i) => `${JSON.stringify(literals[i])} + ${value(i)}`).join(" + ")} + ${JSON.stringify(`\n${outer}}`)}`,
    "}",
    `const v0 = f[${JSON.stringify(layout[0]!.name)}]`,
    `return [${JSON.stringify(literals[0])} + ${value(0)}, suffix]`
  ].join("\n")
  const state = `let suffix${rest.map((i) => `, p${i}`).join("")}`
  return new Function("json", "time", `${state}\nreturn (f) => {\n${body}\n}`)(json, time) as (fields: ListingFields) => readonly [string, string]
}
