/** `oneiric drain`: refuse new work, let in-flight work finish (`--wait` until it has; `--clear` clears only the drain). */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { DrainReport } from "../Domain/Drain.js"
import type { DrainWait } from "../Domain/Drain.js"
import { formatMs } from "../Domain/Duration.js"
import { DrainTimedOut, InvalidInput } from "../Domain/Errors.js"
import { OperatorLive } from "../MainLive.js"
import { showProgress } from "./DrainProgress.js"
import { waitForDrain } from "./DrainWait.js"
import * as Input from "./Input.js"
import * as Shared from "./Options.js"
import { print } from "./Output.js"
import { rootCommand, withLayer } from "./Root.js"
import { Terminal } from "./Terminal.js"
import { describeTransition, runTransition, transition, validateTransition } from "./Transition.js"

const DEFAULT_TIMEOUT = "30s"

const options = {
  ...Shared.transition,
  clear: Options.boolean("clear").pipe(Options.withDescription("Clear only the drain, keep a pause (the original's spelling)")),
  wait: Options.boolean("wait").pipe(Options.withDescription("Wait until no live instance has work in flight under the key, showing progress")),
  timeout: Options.text("timeout").pipe(
    Options.withPseudoName("DUR"),
    Options.withDescription(`With --wait: give up after this long (default ${DEFAULT_TIMEOUT}) and exit 4; the key stays draining`),
    Options.optional
  )
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
    const terminal = yield* Terminal
    const target = `${request.domain}/${request.key}`
    const report = yield* Effect.gen(function*() {
      const drain = yield* transition(request, false)
      if (!args.json) yield* Console.log(describeTransition(drain))
      const progress = showProgress(args.json ? "none" : terminal.isTTY ? "tty" : "lines", target, terminal)
      const wait = yield* waitForDrain({ domain: drain.domain, key: drain.key, seq: drain.seq, timeoutMs, observe: progress.observe }).pipe(
        Effect.ensuring(progress.finish)
      )
      return new DrainReport({ drain, wait })
    }).pipe(withLayer(OperatorLive))
    if (report.wait.drained) return yield* print(args.json, DrainReport, report, (r) => describeWait(r.wait))
    const next = yield* nextCommands(request.domain, request.key, timeoutMs)
    yield* print(args.json, DrainReport, report, (r) =>
      [describeWait(r.wait), "", `${target} is still draining: new work stays refused.`, `  resume it:      ${next.resume}`, `  or wait longer: ${next.wait}`]
        .join("\n"))
    return yield* new DrainTimedOut({
      message: `drain of ${target} timed out after ${formatMs(timeoutMs)} with ${report.wait.remaining} still in flight; ` +
        `${target} is still draining (resume it: ${next.resume})`,
      remaining: report.wait.remaining
    })
  })
}).pipe(Command.withDescription("Drain a key: refuse new work, let work in flight finish"))

const describeWait = (wait: DrainWait): string => {
  if (wait.drained) {
    return wait.instances.length === 0
      ? "drained: no live instance is running work"
      : `drained: nothing in flight on ${wait.instances.length} live instance(s) (waited ${formatMs(wait.waitedMs)})`
  }
  const busy = wait.instances.filter((i) => i.inflight > 0 || !i.acknowledged)
  return [
    `timed out after ${formatMs(wait.timeoutMs)}: ${wait.remaining} still in flight`,
    ...busy.map((i) => `  ${i.host} pid ${i.pid} (${i.id}): ${i.inflight} in flight${i.acknowledged ? "" : ", drain not yet applied"}`)
  ].join("\n")
}

/** A key as a shell word: a wildcard is quoted so the shell leaves the `*` alone. */
const shellWord = (word: string) => (/^[A-Za-z0-9._:/@-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`)

/** What to do about a key still draining at the deadline: the commands, with this invocation's root options. */
const nextCommands = (domain: string, key: string, timeoutMs: number) =>
  Effect.map(rootCommand, (root) => {
    const roots = [
      ...Option.toArray(Option.map(root.cacheDir, (dir) => `--cache-dir ${shellWord(dir)}`)),
      ...Option.toArray(Option.map(root.config, (file) => `--config ${shellWord(file)}`)),
      ...Option.toArray(Option.map(root.profile, (name) => `--profile ${shellWord(name)}`))
    ].map((o) => ` ${o}`).join("")
    const target = `--domain ${domain} --key ${shellWord(key)}${roots}`
    return {
      resume: `oneiric resume ${target}`,
      wait: `oneiric drain ${target} --wait --timeout ${formatMs(timeoutMs * 2).replace(" ", "")}`
    }
  })
