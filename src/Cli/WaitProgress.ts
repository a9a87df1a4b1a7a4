/**
 * How `--wait` (pause, drain, resume) shows that it is alive. On a terminal: one line redrawn several
 * times a second with the elapsed time against the deadline, how many live instances have applied the
 * change, and (for a drain) the work in flight on each. Without one (a pipe, a CI log): a line whenever
 * that changes and at least every 5 s. With `--json`: nothing until the report.
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import type { FleetTarget, FleetWait } from "../Domain/Fleet.js"
import type { TerminalService } from "./Terminal.js"

export type ProgressMode = "tty" | "lines" | "none"

/** A terminal line is redrawn at least this often (5 a second), so the elapsed time visibly moves. */
export const REDRAW_MS = 200
/** Without a terminal, a line at least this often even when nothing changed. */
export const QUIET_LINE_MS = 5_000

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`

/** `host pid 1234: 2 in flight`, or `not applied yet`, per live instance. */
const perInstance = (wait: FleetWait, target: FleetTarget) =>
  wait.instances.map((i) =>
    `${i.host} pid ${i.pid}: ${!i.acknowledged ? "not applied yet" : target.drain ? `${i.inflight} in flight` : "applied"}`
  ).join(", ")

/** The counts, without the time: a change here is worth a line. */
export const progressState = (target: FleetTarget, wait: FleetWait): string => {
  const subject = `${target.domain}/${target.key}`
  if (wait.live === 0) return `${subject}: waiting, no live instance`
  const inflight = target.drain ? `, ${wait.remaining} in flight` : ""
  return `${subject}: applied ${wait.applied}/${wait.live}${inflight} [${perInstance(wait, target)}]`
}

export const progressLine = (target: FleetTarget, wait: FleetWait): string =>
  `${progressState(target, wait)} ${seconds(wait.waitedMs)} of ${seconds(wait.timeoutMs)}`

/** Fits a redrawn line in the terminal: a wrapped line cannot be redrawn in place. */
const fit = (line: string, columns: number) => (line.length < columns ? line : `${line.slice(0, Math.max(0, columns - 2))}…`)

export interface Progress {
  /** What to show for this look at the fleet, if anything now. */
  readonly render: (wait: FleetWait) => string | undefined
  /** What ends the display (clears a live line). */
  readonly finish: () => string | undefined
}

/** The display's decisions, clock-free (each look carries the elapsed time): testable as is. */
export const makeProgress = (mode: ProgressMode, target: FleetTarget, columns: number): Progress => {
  let shownState: string | undefined
  let shownAt = Number.NEGATIVE_INFINITY
  const due = (wait: FleetWait, every: number) => {
    const state = progressState(target, wait)
    if (state === shownState && wait.waitedMs - shownAt < every) return false
    shownState = state
    shownAt = wait.waitedMs
    return true
  }
  switch (mode) {
    case "none":
      return { render: () => undefined, finish: () => undefined }
    case "tty":
      return {
        render: (wait) => (due(wait, REDRAW_MS) ? `\r\u001b[K${fit(progressLine(target, wait), columns)}` : undefined),
        finish: () => (shownState === undefined ? undefined : "\r\u001b[K")
      }
    case "lines":
      return { render: (wait) => (due(wait, QUIET_LINE_MS) ? progressLine(target, wait) : undefined), finish: () => undefined }
  }
}

/** The display on this terminal: live writes for a terminal, console lines otherwise. */
export const showProgress = (json: boolean, target: FleetTarget, terminal: TerminalService) => {
  const mode: ProgressMode = json ? "none" : terminal.isTTY ? "tty" : "lines"
  const progress = makeProgress(mode, target, terminal.columns)
  const emit = (text: string | undefined) =>
    text === undefined ? Effect.void : mode === "tty" ? Effect.sync(() => terminal.write(text)) : Console.log(text)
  return {
    /** Shows a look that does not end the wait. */
    observe: (wait: FleetWait) => (wait.complete || wait.waitedMs >= wait.timeoutMs ? Effect.void : emit(progress.render(wait))),
    finish: Effect.suspend(() => emit(progress.finish()))
  }
}
