/** pause / drain / resume: validate everything, then one store transition (or a preview). */
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { ActivityStore } from "../ActivityStore.js"
import type { TransitionRequest } from "../ActivityStore.js"
import { effectiveState, keysToRead } from "../ActivityStore/Rules.js"
import type { ActivityEntry, RequestAction } from "../Domain/Activity.js"
import { covers, isWildcard } from "../Domain/ActivityKey.js"
import type { ActivityKey } from "../Domain/ActivityKey.js"
import { InvalidInput } from "../Domain/Errors.js"
import { TransitionReport } from "../Domain/Report.js"
import { StoreLive } from "../MainLive.js"
import * as Input from "./Input.js"
import { print } from "./Output.js"

export interface TransitionArgs {
  readonly domain: string
  readonly key: Option.Option<string>
  readonly positionalKey: Option.Option<string>
  readonly note: Option.Option<string>
  readonly by: Option.Option<string>
  readonly dryRun: boolean
  readonly json: boolean
  readonly forDuration?: Option.Option<string>
  readonly until?: Option.Option<string>
}

/** Every input checked before the store is opened: bad input writes nothing, not even a file. */
export const validateTransition = (action: RequestAction, args: TransitionArgs) =>
  Effect.gen(function*() {
    const domain = yield* Input.domain(args.domain)
    const key = yield* Input.key(args.positionalKey, args.key)
    const note = Option.isSome(args.note) ? yield* Input.note(args.note.value) : undefined
    const actor = yield* Input.actor(args.by)
    const expiresAt = yield* Input.expiry(args.forDuration ?? Option.none(), args.until ?? Option.none(), yield* DateTime.now)
    if (expiresAt !== undefined && action !== "pause" && action !== "drain") {
      return yield* new InvalidInput({ message: `--for/--until set when a pause or drain ends; they do not apply to ${action}` })
    }
    return { domain, key, action, note, actor, source: "cli" as const, expiresAt } satisfies TransitionRequest
  })

export const runTransition = (action: RequestAction, args: TransitionArgs) =>
  Effect.gen(function*() {
    const request = yield* validateTransition(action, args)
    const report = yield* Effect.provide(applyTransition(request, args.dryRun), StoreLive)
    yield* print(args.json, TransitionReport, report, describeTransition)
  })

/** Apply (or preview) `request` and report the key's state afterwards. */
export const applyTransition = (request: TransitionRequest, dryRun: boolean) =>
  Effect.gen(function*() {
    const store = yield* ActivityStore
    const result = dryRun ? yield* store.preview(request) : yield* store.transition(request)
    const { domain, key } = request
    // The rows that decide this key, with the transition's result standing in for its own row.
    const related = isWildcard(key)
      ? yield* store.list({ domain })
      : (yield* Effect.forEach(keysToRead(key), (k) => store.get(domain, k))).flatMap((row) => row ?? [])
    const rows = new Map<string, ActivityEntry>(related.map((row) => [row.key, row]))
    if (result.after === null) rows.delete(key)
    else rows.set(key, result.after)
    return new TransitionReport({
      action: request.action,
      domain,
      key,
      dryRun,
      store: store.describe,
      before: result.before,
      after: result.after,
      effective: effectiveState(domain, key, (k) => rows.get(k), yield* DateTime.now),
      affectedKeys: affectedKeys(key, related),
      transition: result.transition,
      expired: result.expired,
      seq: result.seq
    })
  })

/** The stored keys a row governs: itself, or for a wildcard every stored key it covers. */
const affectedKeys = (key: ActivityKey, rows: ReadonlyArray<ActivityEntry>) =>
  isWildcard(key) ? [key, ...rows.map((r) => r.key).filter((k) => k !== key && covers(key, k))] : [key]

const PAST: Record<RequestAction, string> = {
  pause: "paused",
  drain: "draining",
  resume: "resumed",
  "clear-pause": "cleared the pause of",
  "clear-drain": "cleared the drain of"
}

export const describeTransition = (report: TransitionReport): string => {
  const target = `${report.domain}/${report.key}`
  const lines = [
    report.dryRun
      ? `dry run: would ${report.action} ${target} (nothing written)`
      : `${PAST[report.action]} ${target}${report.transition?.actor ? ` by ${report.transition.actor}` : ""}`
  ]
  if (report.after?.note) lines.push(`note: ${report.after.note}`)
  if (report.after?.expiresAt) lines.push(`auto-resumes at ${DateTime.formatIso(report.after.expiresAt)}`)
  if (report.expired) lines.push(`(an expired ${report.expired.key} row was recorded as expired first)`)
  const rule = report.effective.rule
  lines.push(`effective: ${report.effective.state}${rule && rule.kind === "wildcard" ? ` (rule ${report.domain}/${rule.key})` : ""}`)
  lines.push(`affects: ${report.affectedKeys.join(", ")}`)
  return lines.join("\n")
}
