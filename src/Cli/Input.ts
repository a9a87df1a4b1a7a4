/** Operator input → domain values, each failure one clear `InvalidInput` line (exit 2, nothing written). */
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as os from "node:os"
import { parseDurationMs } from "../Domain/Duration.js"
import { ActivityState, Note } from "../Domain/Activity.js"
import { ActivityKey, CONTROL_CHARACTERS } from "../Domain/ActivityKey.js"
import { DomainFromInput } from "../Domain/Domain.js"
import { InvalidInput } from "../Domain/Errors.js"

const decode = <A, I>(schema: Schema.Schema<A, I>, what: string) => (input: string) =>
  Schema.decodeUnknown(schema)(input).pipe(
    Effect.mapError((error) => {
      const [first] = ParseResult.ArrayFormatter.formatErrorSync(error)
      return new InvalidInput({ message: `invalid ${what}: ${first?.message ?? String(error)}` })
    })
  )

export const domain = decode(DomainFromInput, "--domain")
export const note = decode(Note, "--note")
const isState = Schema.is(ActivityState)
export const state = (input: string) =>
  isState(input)
    ? Effect.succeed(input)
    : Effect.fail(new InvalidInput({ message: `invalid --state: ${JSON.stringify(input)} is not a state; expected one of: ${ActivityState.literals.join(", ")}` }))
const keyValue = decode(ActivityKey, "key")

/** The key, given positionally (the original's spelling) or with `--key`, not both differently. */
export const key = (positional: Option.Option<string>, option: Option.Option<string>) => {
  if (Option.isSome(positional) && Option.isSome(option) && positional.value !== option.value) {
    return Effect.fail(new InvalidInput({ message: `two different keys given: ${JSON.stringify(positional.value)} and --key ${JSON.stringify(option.value)}` }))
  }
  const raw = Option.orElse(option, () => positional)
  return Option.isNone(raw)
    ? Effect.fail(new InvalidInput({ message: "a key is required: --key KEY (or KEY as an argument; `*` or `prefix.*` for a wildcard)" }))
    : keyValue(raw.value)
}

/** `--by`, defaulting to `user@host`. */
export const actor = (by: Option.Option<string>) => {
  if (Option.isNone(by)) return Effect.succeed(defaultActor())
  const value = by.value.trim()
  return value.length === 0 || value.length > 256 || CONTROL_CHARACTERS.test(value)
    ? Effect.fail(new InvalidInput({ message: "invalid --by: expected 1 to 256 characters without control characters" }))
    : Effect.succeed(value)
}

const defaultActor = () => {
  let user = process.env.USER ?? process.env.USERNAME ?? "unknown"
  try {
    user = os.userInfo().username
  } catch {
    // No passwd entry (some containers): keep the environment's name.
  }
  return `${user}@${os.hostname()}`
}

/** The expiry from `--for DUR` or `--until TIME` (at most one), checked against `now`. */
export const expiry = (forDuration: Option.Option<string>, until: Option.Option<string>, now: DateTime.Utc) => {
  if (Option.isSome(forDuration) && Option.isSome(until)) {
    return Effect.fail(new InvalidInput({ message: "--for and --until cannot be combined: give one" }))
  }
  if (Option.isSome(forDuration)) {
    const ms = parseDurationMs(forDuration.value)
    if (ms === undefined || ms <= 0) {
      return Effect.fail(new InvalidInput({ message: `invalid --for ${JSON.stringify(forDuration.value)}: expected a positive duration such as 90s, 30m, 2h` }))
    }
    return Effect.succeed(DateTime.add(now, { millis: ms }))
  }
  if (Option.isSome(until)) {
    const at = DateTime.make(until.value)
    if (Option.isNone(at) || !/\d{4}-\d{2}-\d{2}/.test(until.value)) {
      return Effect.fail(new InvalidInput({ message: `invalid --until ${JSON.stringify(until.value)}: expected an ISO 8601 time such as 2026-12-01T09:00:00Z` }))
    }
    if (!DateTime.greaterThan(at.value, now)) {
      return Effect.fail(new InvalidInput({ message: `invalid --until ${until.value}: it is in the past` }))
    }
    return Effect.succeed(DateTime.toUtc(at.value))
  }
  return Effect.succeed(undefined)
}

/** `--limit N`: a positive whole number. */
export const limit = (value: number) =>
  Number.isInteger(value) && value > 0 && value <= 100_000
    ? Effect.succeed(value)
    : Effect.fail(new InvalidInput({ message: `invalid --limit ${value}: expected a whole number from 1 to 100000` }))

/** A positive duration option such as `--timeout 30s`, in milliseconds. */
export const duration = (option: string, raw: string) => {
  const ms = parseDurationMs(raw)
  return ms === undefined || ms <= 0
    ? Effect.fail(new InvalidInput({ message: `invalid ${option} ${JSON.stringify(raw)}: expected a positive duration such as 500ms, 30s, 2m` }))
    : Effect.succeed(ms)
}
