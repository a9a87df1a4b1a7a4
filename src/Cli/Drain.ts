/** `oneiric drain`: refuse new work, let in-flight work finish (`--wait` until it has; `--clear` clears only the drain). */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { DrainReport } from "../Domain/Drain.js"
import type { DrainWait } from "../Domain/Drain.js"
import { DrainTimedOut, InvalidInput } from "../Domain/Errors.js"
import { OperatorLive } from "../MainLive.js"
import { Operator } from "../Operator.js"
import { waitForDrain } from "./DrainWait.js"
import * as Input from "./Input.js"
import * as Shared from "./Options.js"
import { print } from "./Output.js"
import { withLayer } from "./Root.js"
import { describeTransition, runTransition, validateTransition } from "./Transition.js"

const DEFAULT_TIMEOUT = "30s"

const options = {
  ...Shared.transition,
  clear: Options.boolean("clear").pipe(Options.withDescription("Clear the drain only (the original's spelling)")),
  wait: Options.boolean("wait").pipe(Options.withDescription("Wait until every live instance has nothing in flight under the key")),
  timeout: Options.text("timeout").pipe(Options.withDescription(`With --wait: give up after this long (default ${DEFAULT_TIMEOUT}); exit 4`), Options.optional)
}

export const drainCommand = Command.make("drain", options, (args) => {
  if (!args.wait) {
    return Option.isSome(args.timeout)
      ? Effect.fail(new InvalidInput({ message: "--timeout only applies with --wait" }))
      : runTransition(args.clear ? "clear-drain" : "drain", args)
  }
  return Effect.gen(function*() {
    if (args.clear || args.dryRun) return yield* new InvalidInput({ message: "--wait cannot be combined with --clear or --dry-run" })
    const timeoutMs = yield* Input.duration("--timeout", Option.getOrElse(args.timeout, () => DEFAULT_TIMEOUT))
    const request = yield* validateTransition("drain", args)
    const report = yield* Effect.gen(function*() {
        const drain = yield* Effect.flatMap(Operator, (operator) => operator.transition(request))
        if (!args.json) yield* Console.log(describeTransition(drain))
        const wait = yield* waitForDrain({
          domain: drain.domain,
          key: drain.key,
          seq: drain.seq,
          timeoutMs,
          progress: args.json ? "none" : process.stdout.isTTY ? "tty" : "lines"
        })
        return new DrainReport({ drain, wait })
      }).pipe(withLayer(OperatorLive))
    yield* print(args.json, DrainReport, report, (r) => describeWait(r.wait))
    if (!report.wait.drained) {
      return yield* new DrainTimedOut({
        message: `drain of ${request.domain}/${request.key} timed out after ${report.wait.timeoutMs} ms with ${report.wait.remaining} still in flight`,
        remaining: report.wait.remaining
      })
    }
  })
}).pipe(Command.withDescription("Drain a key: refuse new work and let in-flight work finish (--wait to wait for it)"))

const describeWait = (wait: DrainWait): string => {
  if (wait.drained) {
    return wait.instances.length === 0
      ? "drained: no live instance is running work"
      : `drained: nothing in flight on ${wait.instances.length} live instance(s) (waited ${wait.waitedMs} ms)`
  }
  const busy = wait.instances.filter((i) => i.inflight > 0 || !i.acknowledged)
  return [`timed out after ${wait.timeoutMs} ms: ${wait.remaining} still in flight`, ...busy.map((i) => `  ${i.id} (pid ${i.pid}): ${i.inflight} in flight${i.acknowledged ? "" : ", drain not yet applied"}`)].join("\n")
}
