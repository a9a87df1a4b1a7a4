/** `oneiric drain`: refuse new work, let in-flight work finish (`--wait` until it has everywhere; `--clear` clears only the drain). */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { DrainReport } from "../Domain/Drain.js"
import { formatMs } from "../Domain/Duration.js"
import * as DateTime from "effect/DateTime"
import { DrainInterrupted, DrainTimedOut, InvalidInput } from "../Domain/Errors.js"
import { drainedOf, DrainWait } from "../Domain/Fleet.js"
import type { TransitionReport } from "../Domain/Report.js"
import { OperatorLive } from "../MainLive.js"
import { describeFleetWait, DEFAULT_TIMEOUT, timeoutMessage, waitForFleet, waitTimeout } from "./FleetWait.js"
import * as Shared from "./Options.js"
import { print } from "./Output.js"
import { rootCommand, withLayer } from "./Root.js"
import { describeTransition, runTransition, transition, validateTransition } from "./Transition.js"

const options = {
  ...Shared.transition,
  clear: Options.boolean("clear").pipe(Options.withDescription("Clear only the drain, keep a pause (the original's spelling)")),
  wait: Options.boolean("wait").pipe(
    Options.withDescription("Wait until every live instance has applied the drain and has nothing in flight under the key, showing progress")
  ),
  timeout: Shared.timeout.pipe(
    Options.withDescription(`With --wait: give up after this long (default ${DEFAULT_TIMEOUT}) and exit 4; the key stays draining`)
  )
}

export const drainCommand = Command.make("drain", options, (args) =>
  Effect.gen(function*() {
    // `--clear --wait` waits like `resume --wait`: until every live instance has applied it.
    if (!args.wait || args.clear) return yield* runTransition(args.clear ? "clear-drain" : "drain", args)
    if (args.dryRun) return yield* new InvalidInput({ message: "--wait cannot be combined with --dry-run" })
    const timeoutMs = (yield* waitTimeout(true, args.timeout))!
    const request = yield* validateTransition("drain", args)
    const { report, target } = yield* Effect.gen(function*() {
      const drain = yield* transition(request, false)
      if (!args.json) yield* Console.log(describeTransition(drain))
      const target = { domain: drain.domain, key: drain.key, seq: drain.seq, drain: true, drainingSince: drainingSince(drain) }
      const wait = yield* waitForFleet(target, timeoutMs, args.json)
      return { report: new DrainReport({ drain, wait: new DrainWait({ ...wait, drained: drainedOf(wait) }) }), target }
    }).pipe(withLayer(OperatorLive))
    if (report.wait.drained) return yield* print(args.json, DrainReport, report, (r) => describeFleetWait(r.wait, target))
    const subject = `${request.domain}/${request.key}`
    if (report.wait.complete) {
      // Nothing in flight, but what was in flight was cut at shutdown, not finished.
      yield* print(args.json, DrainReport, report, (r) => describeFleetWait(r.wait, target))
      const cut = report.wait.interrupted.reduce((n, i) => n + i.count, 0)
      return yield* new DrainInterrupted({
        message: `drain of ${subject} did not finish cleanly: ${cut} in-flight item(s) were interrupted at shutdown by ` +
          `${report.wait.interrupted.map((i) => `${i.id} (pid ${i.pid} on ${i.host})`).join(", ")}; nothing is in flight now`,
        interrupted: cut
      })
    }
    const next = yield* nextCommands(request.domain, request.key, timeoutMs)
    yield* print(args.json, DrainReport, report, (r) =>
      [describeFleetWait(r.wait, target), "", `${subject} is still draining: new work stays refused.`, `  resume it:      ${next.resume}`, `  or wait longer: ${next.wait}`]
        .join("\n"))
    return yield* new DrainTimedOut({
      message: `${timeoutMessage("drain", target, report.wait)}; ${subject} is still draining (resume it: ${next.resume})`,
      remaining: report.wait.remaining
    })
  })).pipe(Command.withDescription("Drain a key: refuse new work, let work in flight finish"))

/**
 * Since when the key has been draining: its row's time if it was draining already, else this drain's. A row of
 * the original (no timestamp) gives no bound.
 */
const drainingSince = (drain: TransitionReport): number => {
  const row = drain.before?.draining === true ? drain.before : drain.after
  return row?.updatedAt === null || row?.updatedAt === undefined ? 0 : DateTime.toEpochMillis(row.updatedAt)
}

/** A key as a shell word: a wildcard is quoted so the shell leaves the `*` alone. */
const shellWord = (word: string) => (/^[A-Za-z0-9._:/@-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`)

/** What to do about a key still draining at the deadline: the commands, with this invocation's root options. */
const nextCommands = (domain: string, key: string, timeoutMs: number) =>
  Effect.map(rootCommand, (root) => {
    const roots = [
      ...Option.toArray(Option.map(root.cacheDir, (dir) => `--cache-dir ${shellWord(dir)}`)),
      ...Option.toArray(Option.map(root.store, (store) => `--store ${shellWord(store)}`)),
      ...Option.toArray(Option.map(root.config, (file) => `--config ${shellWord(file)}`)),
      ...Option.toArray(Option.map(root.profile, (name) => `--profile ${shellWord(name)}`))
    ].map((o) => ` ${o}`).join("")
    const target = `--domain ${domain} --key ${shellWord(key)}${roots}`
    return {
      resume: `oneiric resume ${target}`,
      wait: `oneiric drain ${target} --wait --timeout ${formatMs(timeoutMs * 2).replace(" ", "")}`
    }
  })
