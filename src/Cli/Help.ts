/**
 * `oneiric --help`, `oneiric help [command]`, `oneiric <command> --help`: rendered from the command
 * table and the guides, wrapped to the terminal, styled only when styling is wanted. @effect/cli's own
 * help runs to 150 lines per command and describes every option as "A user-defined piece of text".
 */
import { BUILT_IN_ROOT_OPTIONS } from "./Argv.js"
import { GUIDES } from "./Guide.js"
import type { CommandInfo, CommandTable, OptionInfo } from "./Introspect.js"
import { strong, wrap } from "./Terminal.js"
import type { TerminalService } from "./Terminal.js"

type Style = Pick<TerminalService, "color" | "columns">

/** Below this width a description goes on the line after its term. */
const NARROW = 60

const width = (style: Style) => Math.max(40, Math.min(style.columns, 100))

/** Terms and descriptions in two columns, each description wrapped in its column. */
const twoColumns = (style: Style, rows: ReadonlyArray<readonly [string, string]>, indent = 2): Array<string> => {
  const total = width(style)
  const termWidth = Math.min(Math.max(...rows.map(([term]) => term.length)), 28)
  const column = indent + termWidth + 2
  return rows.flatMap(([term, description]) => {
    if (total < NARROW || term.length > termWidth || description.length === 0) {
      const lines = [" ".repeat(indent) + term]
      if (description.length > 0) lines.push(" ".repeat(indent + 4) + wrap(description, total, indent + 4, indent + 4))
      return lines
    }
    return [" ".repeat(indent) + term.padEnd(termWidth + 2) + wrap(description, total, column, column)]
  })
}

const optionTerm = (option: OptionInfo) =>
  [...option.aliases.filter((a) => a.length === 2), option.name].join(", ") + (option.takesValue ? ` ${option.placeholder}` : "")

const rootOptionsOf = (table: CommandTable) => [...table.rootOptions, ...BUILT_IN_ROOT_OPTIONS]

/** The program's help: fits one screen. */
export const programHelp = (table: CommandTable, version: string, style: Style): string => {
  const total = width(style)
  const commands = twoColumns(style, table.commands.map((c) => [c.name, c.summary] as const))
  const options = twoColumns(style, rootOptionsOf(table).map((o) => [optionTerm(o), o.description] as const))
  return [
    wrap(`${strong(style, "oneiric")} ${version}: ${table.summary}`, total),
    "",
    `${strong(style, "Usage:")} oneiric <command> [options]`,
    "",
    strong(style, "Commands:"),
    ...commands,
    "",
    strong(style, "Options for every command (before or after it):"),
    ...options,
    "",
    wrap("oneiric help <command> (or oneiric <command> --help) shows a command's options and examples. " +
      "Also: --version, --completions bash|zsh|fish.", total)
  ].join("\n")
}

/** One command's help: what it does, examples, then its options. */
export const commandHelp = (table: CommandTable, command: CommandInfo, style: Style): string => {
  const total = width(style)
  const guide = GUIDES[command.name]
  const usage = guide?.usage ??
    [...command.options.map((o) => `[${o.name}${o.takesValue ? ` ${o.placeholder}` : ""}]`), ...command.args.map((a) => (a.optional ? `[${a.name}]` : a.name))].join(" ")
  const examples = (guide?.examples ?? []).flatMap((e) => [`  ${e.command}`, `      ${wrap(e.what, total, 6, 6)}`])
  const args = command.args.map((a) => [a.optional ? `[${a.name}]` : a.name, a.description] as const)
  return [
    wrap(`${strong(style, `oneiric ${command.name}`)}: ${command.summary}`, total),
    ...(guide === undefined ? [] : ["", wrap(guide.about, total)]),
    "",
    wrap(`${strong(style, "Usage:")} oneiric ${command.name} ${usage}`, total, 4),
    ...(examples.length === 0 ? [] : ["", strong(style, "Examples:"), ...examples]),
    "",
    strong(style, "Options:"),
    ...twoColumns(style, [...command.options.map((o) => [optionTerm(o), o.description] as const), ...args]),
    "",
    wrap(`Also accepted: ${rootOptionsOf(table).map(optionTerm).join(", ")} (see oneiric --help).`, total)
  ].join("\n")
}
