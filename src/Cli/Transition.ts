/** pause / drain / resume: validate everything, then one store transition (or a preview), and `--wait` for the fleet. */
import * as Console from "effect/Console"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { ActivityStore } from "../ActivityStore.js"
import { ConfigResolver } from "../ConfigResolver.js"
import type { RequestAction } from "../Domain/Activity.js"
import { isWildcard } from "../Domain/ActivityKey.js"
import { InvalidInput, WaitTimedOut } from "../Domain/Errors.js"
import { TransitionReport, TransitionWaitReport } from "../Domain/Report.js"
import type { TransitionRequest } from "../Domain/Store.js"
import { transitionRequest } from "../Domain/TransitionInput.js"
import { OperatorLive } from "../MainLive.js"
import { Operator } from "../Operator.js"
import { didYouMean } from "./DidYouMean.js"
import { describeFleetWait, timeoutMessage, waitForFleet, waitTimeout } from "./FleetWait.js"
import * as Input from "./Input.js"
import { nearKeys } from "./NearKeys.js"
import { print } from "./Output.js"
import { withLayer } from "./Root.js"
import { storePresence } from "./StorePresence.js"

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
    const key = yield* Input.key(args.positionalKey, args.key)
    const by = yield* Input.actor(args.by)
    const fields = {
      action,
      domain: args.domain,
      key,
      note: Option.getOrUndefined(args.note),
      by,
      for: Option.getOrUndefined(args.forDuration ?? Option.none()),
      until: Option.getOrUndefined(args.until ?? Option.none())
    }
    return yield* transitionRequest(fields, { names: Input.FIELD_NAMES, source: "cli", now: yield* DateTime.now })
  })

/**
 * The transition (or its preview) through the Operator, and — when the key had no row — the stored
 * keys it may be a typo of, so `resume --key reprots.daily` says which key was probably meant.
 */
export const transition = (request: TransitionRequest, dryRun: boolean) =>
  Effect.gen(function*() {
    const report = yield* Effect.flatMap(Operator, (operator) => operator.transition(request, { dryRun }))
    if (report.before !== null || report.expired !== null || isWildcard(report.key)) return report
    const near = yield* Effect.flatMap(ActivityStore, (store) => nearKeys(store, report.domain, report.key))
    return near.length === 0 ? report : new TransitionReport({ ...report, didYouMean: near })
  })

/** A dry run against no store: previewed on an empty in-memory store, so that nothing is created. */
const EmptyPreview = Operator.layer.pipe(Layer.provideMerge(ActivityStore.layerMemory))

export interface WaitArgs {
  readonly wait: boolean
  readonly timeout: Option.Option<string>
}

/** pause / resume (and their clearing spellings): one transition, with `--wait` until every live instance has applied it. */
export const runTransition = (action: RequestAction, args: TransitionArgs & WaitArgs) =>
  Effect.gen(function*() {
    const request = yield* validateTransition(action, args)
    const timeoutMs = yield* waitTimeout(args.wait, args.timeout)
    if (timeoutMs !== undefined && args.dryRun) return yield* new InvalidInput({ message: "--wait cannot be combined with --dry-run" })
    if (timeoutMs === undefined) {
      const report = yield* Effect.gen(function*() {
        const presence = storePresence(yield* ConfigResolver)
        if (!args.dryRun || presence.present) return yield* transition(request, args.dryRun).pipe(Effect.provide(OperatorLive))
        const preview = yield* transition(request, true).pipe(Effect.provide(EmptyPreview))
        return new TransitionReport({ ...preview, store: presence.describe })
      }).pipe(withLayer(Layer.empty))
      return yield* print(args.json, TransitionReport, report, describeTransition)
    }
    const result = yield* Effect.gen(function*() {
      const report = yield* transition(request, false)
      if (!args.json) yield* Console.log(describeTransition(report))
      const target = { domain: report.domain, key: report.key, seq: report.seq, drain: false }
      const wait = yield* waitForFleet(target, timeoutMs, args.json)
      return { report: new TransitionWaitReport({ transition: report, wait }), target }
    }).pipe(withLayer(OperatorLive))
    yield* print(args.json, TransitionWaitReport, result.report, (r) => describeFleetWait(r.wait, result.target))
    if (!result.report.wait.complete) {
      return yield* new WaitTimedOut({ message: timeoutMessage(action, result.target, result.report.wait), pending: result.report.wait.pending })
    }
  })

const PAST: Record<RequestAction, string> = {
  pause: "paused",
  drain: "draining",
  resume: "resumed",
  "clear-pause": "cleared the pause of",
  "clear-drain": "cleared the drain of"
}

/** What a transition that changes nothing found the key in. */
const UNCHANGED: Record<RequestAction, string> = {
  pause: "was already paused",
  drain: "was already draining",
  resume: "was not paused or draining",
  "clear-pause": "was not paused",
  "clear-drain": "was not draining"
}

export const describeTransition = (report: TransitionReport): string => {
  const target = `${report.domain}/${report.key}`
  const near = report.didYouMean.map((key) => `${report.domain}/${key}`)
  if (!report.changed) {
    const lines = [`${report.dryRun ? "dry run: " : ""}${target} ${UNCHANGED[report.action]}: nothing ${report.dryRun ? "would change" : "changed"}${didYouMean(near)}`]
    if (report.expired) lines.push(`(an expired ${report.expired.key} row was recorded as expired)`)
    lines.push(`effective: ${report.effective.state}`)
    return lines.join("\n")
  }
  const lines = [
    report.dryRun
      ? `dry run: would ${report.action} ${target} (nothing written)`
      : `${PAST[report.action]} ${target}${report.transition?.actor ? ` by ${report.transition.actor}` : ""}`
  ]
  if (report.after?.note) lines.push(`note: ${report.after.note}`)
  if (report.after?.expiresAt) lines.push(`auto-resumes at ${DateTime.formatIso(report.after.expiresAt)}`)
  if (report.expired) lines.push(`(an expired ${report.expired.key} row was recorded as expired first)`)
  if (near.length > 0) lines.push(`note: ${target} had no row before${didYouMean(near)}`)
  const rule = report.effective.rule
  lines.push(`effective: ${report.effective.state}${rule && rule.kind === "wildcard" ? ` (rule ${report.domain}/${rule.key})` : ""}`)
  lines.push(`affects: ${report.affectedKeys.join(", ")}`)
  return lines.join("\n")
}
