/**
 * The terminal the CLI writes to: is stdout a terminal, may it be styled, how wide is it, and a raw
 * write for the one thing that is not a line (the redrawn progress line of `drain --wait`). The bin
 * reads it from the process; tests give their own and capture what is written.
 */
import * as Context from "effect/Context"
import * as Layer from "effect/Layer"

export interface TerminalService {
  /** stdout is a terminal (a live line may be redrawn). */
  readonly isTTY: boolean
  /** Styling is wanted: a terminal, NO_COLOR unset or empty, TERM not `dumb` (https://no-color.org). */
  readonly color: boolean
  /** Columns to wrap help at. */
  readonly columns: number
  /** Writes `text` as is (no newline added). */
  readonly write: (text: string) => void
}

/** Without a terminal to ask, help wraps at this width. */
export const DEFAULT_COLUMNS = 80

export const colorWanted = (isTTY: boolean, env: NodeJS.ProcessEnv): boolean =>
  isTTY && (env.NO_COLOR === undefined || env.NO_COLOR === "") && env.TERM !== "dumb"

export const processTerminal = (): TerminalService => {
  const isTTY = process.stdout.isTTY === true
  return {
    isTTY,
    color: colorWanted(isTTY, process.env),
    columns: isTTY && process.stdout.columns > 0 ? process.stdout.columns : DEFAULT_COLUMNS,
    write: (text) => void process.stdout.write(text)
  }
}

export class Terminal extends Context.Tag("oneiric/Cli/Terminal")<Terminal, TerminalService>() {
  static layer = (service: TerminalService): Layer.Layer<Terminal> => Layer.succeed(Terminal, service)
}

/** Bold, when styling is wanted. */
export const strong = (terminal: Pick<TerminalService, "color">, text: string): string => (terminal.color ? `\u001b[1m${text}\u001b[22m` : text)

/**
 * `text` wrapped so that no line is wider than `width` columns: the first line follows `offset`
 * columns already printed, the others are indented by `indent` spaces. A word longer than a line is
 * left whole (a long path stays copyable).
 */
export const wrap = (text: string, width: number, indent = 0, offset = 0): string => {
  const lines: Array<string> = []
  let line = ""
  for (const word of text.split(/\s+/).filter((w) => w.length > 0)) {
    const room = width - (lines.length === 0 ? offset : indent)
    if (line.length > 0 && line.length + 1 + word.length > room) {
      lines.push(line)
      line = word
    } else {
      line = line.length === 0 ? word : `${line} ${word}`
    }
  }
  if (line.length > 0 || lines.length === 0) lines.push(line)
  return lines.map((l, i) => (i === 0 ? l : " ".repeat(indent) + l)).join("\n")
}
