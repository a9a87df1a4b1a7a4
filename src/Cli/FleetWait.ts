/**
 * `--wait` on pause, drain and resume: follows the Operator's fleet wait, shows its progress
 * (`WaitProgress.ts`), and says how it ended.
 */
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { StoreUnavailable } from "../Domain/Errors.js"
import { InvalidInput } from "../Domain/Errors.js"
import type { FleetTarget, FleetWait } from "../Domain/Fleet.js"
import { Operator } from "../Operator.js"
import * as Input from "./Input.js"
import { Terminal } from "./Terminal.js"
import { showProgress } from "./WaitProgress.js"

export const DEFAULT_TIMEOUT = "30s"

/** `--timeout` is only meaningful with `--wait`; its value is a duration. */
export const waitTimeout = (wait: boolean, timeout: Option.Option<string>) =>
  !wait
    ? Option.isSome(timeout) ? Effect.fail(new InvalidInput({ message: "--timeout only applies with --wait" })) : Effect.succeed(undefined)
    : Input.duration("--timeout", Option.getOrElse(timeout, () => DEFAULT_TIMEOUT))

const count = (wait: FleetWait, target: FleetTarget) =>
  `applied ${wait.applied}/${wait.live}` + (target.drain ? `, ${wait.remaining} in flight` : "")

/** Follows the wait, showing progress on this terminal (nothing with `--json`); returns how it ended. */
export const waitForFleet = (target: FleetTarget, timeoutMs: number, json: boolean): Effect.Effect<FleetWait, StoreUnavailable, Operator | Terminal> =>
  Effect.gen(function*() {
    const operator = yield* Operator
    const progress = showProgress(json, target, yield* Terminal)
    const last = yield* Stream.runLast(Stream.tap(operator.follow(target, { timeoutMs }), progress.observe)).pipe(Effect.ensuring(progress.finish))
    // The stream always has a first element: a look at the instance table.
    return Option.getOrThrow(last)
  })

const ago = (ms: number) => (ms < 1_000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`)

/** How the wait ended, for people. */
export const describeFleetWait = (wait: FleetWait, target: FleetTarget): string => {
  if (wait.complete && wait.interrupted.length > 0) {
    const lines = wait.interrupted.map((i) =>
      `  ${i.id} (pid ${i.pid} on ${i.host}) stopped at ${DateTime.formatIso(i.stoppedAt)} and interrupted ${i.count} in flight`)
    const now = wait.live === 0 ? "no live instance is running work" : `${count(wait, target)}`
    return [`not drained cleanly: ${now}, but work under ${target.domain}/${target.key} was interrupted at shutdown:`, ...lines].join("\n")
  }
  if (wait.complete) {
    if (wait.live === 0) return "applied 0/0: no live instance shares this store"
    return `${count(wait, target)}: every live instance ${target.drain ? "has applied the drain and has nothing in flight" : "enforces it"} (waited ${wait.waitedMs} ms)`
  }
  const pending = wait.instances.filter((i) => wait.pending.includes(i.id)).map((i) => {
    const why = !i.acknowledged ? `not applied yet (at feed position ${i.appliedSeq}, needs ${wait.seq})` : `${i.inflight} in flight`
    return `  ${i.id} (pid ${i.pid} on ${i.host}): ${why}; heartbeat ${ago(i.heartbeatAgeMs)} ago`
  })
  return [`timed out after ${wait.timeoutMs} ms: ${count(wait, target)}`, ...pending].join("\n")
}

/** The exit-4 message: what was not done, and by whom. */
export const timeoutMessage = (action: string, target: FleetTarget, wait: FleetWait): string =>
  `${action} of ${target.domain}/${target.key} not ${target.drain ? "drained" : "applied"} by ${wait.pending.length} of ${wait.live} live instance(s) within ${wait.timeoutMs} ms` +
  (target.drain ? ` (${wait.remaining} still in flight)` : "") + `: ${wait.pending.join(", ")}`
