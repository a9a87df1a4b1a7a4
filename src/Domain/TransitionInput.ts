/**
 * A transition as an operator asks for it, checked: the one set of rules the CLI (`pause|drain|resume`)
 * and the HTTP API (`POST /api/transitions`) share. Thin on purpose: every field is decoded by its own
 * Domain schema (`DomainFromInput`, `ActivityKey`, `Note`); this module only adds what spans fields
 * (`for`/`until`, which actions take an expiry) and names each field as the caller spelled it, so an
 * error reads `invalid --note: …` on the CLI and `invalid note: …` over HTTP. Every failure is one
 * `InvalidInput` line; nothing is written.
 */
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { Note, UNPRINTABLE } from "./Activity.js"
import type { RequestAction, Source } from "./Activity.js"
import { CONTROL_CHARACTERS, KeyFromInput } from "./ActivityKey.js"
import { DomainFromInput } from "./Domain.js"
import { parseDurationMs } from "./Duration.js"
import { InvalidInput } from "./Errors.js"
import type { TransitionRequest } from "./Store.js"

/** How the caller spells each field in messages: `--for` on the CLI, `for` in a JSON body. */
export interface FieldNames {
  readonly domain: string
  readonly key: string
  readonly note: string
  readonly by: string
  readonly for: string
  readonly until: string
}

/** A schema's decoding, failing with `invalid <name>: <the schema's first complaint>`. */
export const decodeField = <A, I>(schema: Schema.Schema<A, I>, name: string) => (input: unknown): Effect.Effect<A, InvalidInput> =>
  Schema.decodeUnknown(schema)(input).pipe(
    Effect.mapError((error) => {
      const [first] = ParseResult.ArrayFormatter.formatErrorSync(error)
      return new InvalidInput({ message: `invalid ${name}: ${first?.message ?? String(error)}` })
    })
  )

export const MAX_ACTOR_LENGTH = 256

/** Who is acting: 1 to 256 characters (surrounding spaces dropped), nothing a note may not contain (control characters, bidi overrides). */
export const actor = (value: string, name: string): Effect.Effect<string, InvalidInput> => {
  const trimmed = value.trim()
  return trimmed.length === 0 || trimmed.length > MAX_ACTOR_LENGTH || CONTROL_CHARACTERS.test(trimmed) || UNPRINTABLE.test(trimmed)
    ? Effect.fail(new InvalidInput({ message: `invalid ${name}: expected 1 to ${MAX_ACTOR_LENGTH} characters without control characters or bidirectional overrides` }))
    : Effect.succeed(trimmed)
}

/** The expiry from a duration (`for`) or a time (`until`), at most one, checked against `now`. */
export const expiry = (
  forDuration: string | undefined,
  until: string | undefined,
  now: DateTime.Utc,
  names: Pick<FieldNames, "for" | "until">
): Effect.Effect<DateTime.Utc | undefined, InvalidInput> => {
  if (forDuration !== undefined && until !== undefined) {
    return Effect.fail(new InvalidInput({ message: `${names.for} and ${names.until} cannot be combined: give one` }))
  }
  if (forDuration !== undefined) {
    const ms = parseDurationMs(forDuration)
    if (ms === undefined || ms <= 0) {
      return Effect.fail(new InvalidInput({ message: `invalid ${names.for} ${JSON.stringify(forDuration)}: expected a positive duration such as 90s, 30m, 2h` }))
    }
    return Effect.succeed(DateTime.add(now, { millis: ms }))
  }
  if (until !== undefined) {
    const at = DateTime.make(until)
    if (Option.isNone(at) || !/\d{4}-\d{2}-\d{2}/.test(until)) {
      return Effect.fail(new InvalidInput({ message: `invalid ${names.until} ${JSON.stringify(until)}: expected an ISO 8601 time such as 2026-12-01T09:00:00Z` }))
    }
    if (!DateTime.greaterThan(at.value, now)) {
      return Effect.fail(new InvalidInput({ message: `invalid ${names.until} ${until}: it is in the past` }))
    }
    return Effect.succeed(DateTime.toUtc(at.value))
  }
  return Effect.succeed(undefined)
}

/** A transition's fields as given (the CLI has already chosen between its positional key and `--key`). */
export interface TransitionInput {
  readonly action: RequestAction
  readonly domain: string
  readonly key: string
  readonly note?: string | undefined
  /** The actor; each edge supplies its own default (`user@host` on the CLI). */
  readonly by: string
  readonly for?: string | undefined
  readonly until?: string | undefined
}

/** Every field checked, in the order an operator reads them, into the request the store takes. */
export const transitionRequest = (
  input: TransitionInput,
  context: { readonly names: FieldNames; readonly source: Source; readonly now: DateTime.Utc }
): Effect.Effect<TransitionRequest, InvalidInput> =>
  Effect.gen(function*() {
    const { names } = context
    const domain = yield* decodeField(DomainFromInput, names.domain)(input.domain)
    const key = yield* decodeField(KeyFromInput, names.key)(input.key)
    const note = input.note === undefined ? undefined : yield* decodeField(Note, names.note)(input.note)
    const by = yield* actor(input.by, names.by)
    const expiresAt = yield* expiry(input.for, input.until, context.now, names)
    if (expiresAt !== undefined && input.action !== "pause" && input.action !== "drain") {
      return yield* new InvalidInput({ message: `${names.for}/${names.until} set when a pause or drain ends; they do not apply to ${input.action}` })
    }
    return { domain, key, action: input.action, note, actor: by, source: context.source, expiresAt } satisfies TransitionRequest
  })
