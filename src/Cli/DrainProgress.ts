/**
 * How `drain --wait` shows that it is alive. On a terminal: one line redrawn several times a second
 * with the elapsed time against the deadline and the work in flight on each instance. Without one
 * (a pipe, a CI log): a line whenever the counts change and at least every 5 s. With `--json`:
 * nothing until the report.
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import type { DrainObservation } from "./DrainWait.js"
import type { TerminalService } from "./Terminal.js"

export type ProgressMode = "tty" | "lines" | "none"

/** A terminal line is redrawn at least this often (5 a second), so the elapsed time visibly moves. */
export const REDRAW_MS = 200
/** Without a terminal, a line at least this often even when nothing changed. */
export const QUIET_LINE_MS = 5_000

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`

/** `host pid 1234: 2`, with the instances that have not applied the drain marked. */
const perInstance = (o: DrainObservation) =>
  o.view.instances.map((i) => `${i.host} pid ${i.pid}: ${i.inflight}${i.acknowledged ? "" : " (drain not applied yet)"}`).join(", ")

/** The counts, without the time: a change here is worth a line. */
export const progressState = (target: string, o: DrainObservation): string => {
  if (o.view.instances.length === 0) return `${target}: waiting, no live instance`
  const applied = o.unacknowledged > 0 ? `, ${o.unacknowledged} yet to apply the drain` : ""
  return `${target}: ${o.view.total} in flight on ${o.view.instances.length} instance(s)${applied} [${perInstance(o)}]`
}

export const progressLine = (target: string, o: DrainObservation): string =>
  `${progressState(target, o)} ${seconds(o.waitedMs)} of ${seconds(o.timeoutMs)}`

/** Fits a redrawn line in the terminal: a wrapped line cannot be redrawn in place. */
const fit = (line: string, columns: number) => (line.length < columns ? line : `${line.slice(0, Math.max(0, columns - 2))}…`)

export interface Progress {
  /** What to show for this observation, if anything now. */
  readonly render: (o: DrainObservation) => string | undefined
  /** What ends the display (clears a live line). */
  readonly finish: () => string | undefined
}

/** The display's decisions, clock-free (the observation carries the elapsed time): testable as is. */
export const makeProgress = (mode: ProgressMode, target: string, columns: number): Progress => {
  let shownState: string | undefined
  let shownAt = Number.NEGATIVE_INFINITY
  const due = (o: DrainObservation, every: number) => {
    const state = progressState(target, o)
    if (state === shownState && o.waitedMs - shownAt < every) return false
    shownState = state
    shownAt = o.waitedMs
    return true
  }
  switch (mode) {
    case "none":
      return { render: () => undefined, finish: () => undefined }
    case "tty":
      return {
        render: (o) => (due(o, REDRAW_MS) ? `\r\u001b[K${fit(progressLine(target, o), columns)}` : undefined),
        finish: () => (shownState === undefined ? undefined : "\r\u001b[K")
      }
    case "lines":
      return { render: (o) => (due(o, QUIET_LINE_MS) ? progressLine(target, o) : undefined), finish: () => undefined }
  }
}

/** The display on this terminal: live writes for a terminal, console lines otherwise. */
export const showProgress = (mode: ProgressMode, target: string, terminal: TerminalService) => {
  const progress = makeProgress(mode, target, terminal.columns)
  const emit = (text: string | undefined) =>
    text === undefined ? Effect.void : mode === "tty" ? Effect.sync(() => terminal.write(text)) : Console.log(text)
  return {
    observe: (o: DrainObservation) => emit(progress.render(o)),
    finish: Effect.suspend(() => emit(progress.finish()))
  }
}
