/**
 * Operator input → domain values, each failure one clear `InvalidInput` line (exit 2, nothing written).
 * The rules themselves are shared with the HTTP API (`Domain/TransitionInput.ts`); this file names
 * the options and adds what only a command line has (a positional key, `user@host`).
 */
import type * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as os from "node:os"
import { parseDurationMs } from "../Domain/Duration.js"
import { ActivityState, Note } from "../Domain/Activity.js"
import { KeyFromInput } from "../Domain/ActivityKey.js"
import { DomainFromInput } from "../Domain/Domain.js"
import { InvalidInput } from "../Domain/Errors.js"
import * as TransitionInput from "../Domain/TransitionInput.js"

/** How errors name a transition's fields on the command line. */
export const FIELD_NAMES: TransitionInput.FieldNames = { domain: "--domain", key: "key", note: "--note", by: "--by", for: "--for", until: "--until" }

const decode = TransitionInput.decodeField

export const domain = decode(DomainFromInput, "--domain")
export const note = decode(Note, "--note")
const isState = Schema.is(ActivityState)
export const state = (input: string) =>
  isState(input)
    ? Effect.succeed(input)
    : Effect.fail(new InvalidInput({ message: `invalid --state: ${JSON.stringify(input)} is not a state; expected one of: ${ActivityState.literals.join(", ")}` }))
const keyValue = decode(KeyFromInput, "key")

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
  return TransitionInput.actor(by.value, FIELD_NAMES.by)
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
export const expiry = (forDuration: Option.Option<string>, until: Option.Option<string>, now: DateTime.Utc) =>
  TransitionInput.expiry(Option.getOrUndefined(forDuration), Option.getOrUndefined(until), now, FIELD_NAMES)

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
