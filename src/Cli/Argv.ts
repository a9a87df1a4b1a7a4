/**
 * The command line before @effect/cli sees it: what operators type, checked against the command
 * table, so that every mistake is named (`unknown option --fro (did you mean --for?)`, `unknown
 * command paus (did you mean pause?)`) instead of surfacing as a puzzle about a stray argument.
 * Root options are accepted before or after the command, as `--name value` or `--name=value`, and
 * handed on in the one order @effect/cli parses (root options first); `help [command]`, `--help`,
 * `-h`, `--version`, `-v` and `--completions SHELL` are answered here.
 */
import { didYouMean, suggest } from "./DidYouMean.js"
import { findCommand, findOption } from "./Introspect.js"
import type { CommandInfo, CommandTable, OptionInfo } from "./Introspect.js"

export const LOG_LEVELS = ["all", "trace", "debug", "info", "warning", "error", "fatal", "none"] as const
export const SHELLS = ["bash", "zsh", "fish"] as const

/** Root options @effect/cli adds itself; `--log-level` sets the minimum level of the logs on stderr. */
export const BUILT_IN_ROOT_OPTIONS: ReadonlyArray<OptionInfo> = [
  { name: "--log-level", aliases: [], takesValue: true, placeholder: "LEVEL", description: `Level: ${LOG_LEVELS.filter((l) => l !== "all" && l !== "fatal").join("|")} (default info)` }
]

/** What this command line asks for. */
export type Invocation =
  /** `args` as `process.argv` has them (`node`, script, …), root options first: for @effect/cli. */
  | { readonly _tag: "Run"; readonly args: ReadonlyArray<string>; readonly command: CommandInfo }
  /** Help for one command, or for the program (`command` undefined). */
  | { readonly _tag: "Help"; readonly command: CommandInfo | undefined }
  | { readonly _tag: "Version" }
  | { readonly _tag: "Completions"; readonly shell: (typeof SHELLS)[number] }
  | { readonly _tag: "Invalid"; readonly message: string; readonly command: CommandInfo | undefined }

const HELP = ["--help", "-h"]
const VERSION = ["--version", "-v"]

/** Every root option: the root command's own and the built-ins. */
export const rootOptionsOf = (table: CommandTable): ReadonlyArray<OptionInfo> => [...table.rootOptions, ...BUILT_IN_ROOT_OPTIONS]

const allNames = (options: ReadonlyArray<OptionInfo>) => options.flatMap((o) => [o.name, ...o.aliases.filter((a) => a.length > 2)])

/** Does `token` look like an option rather than a value? (`-5m` and `-` alone are values.) */
const isOptionToken = (token: string) => token.startsWith("--") ? token.length > 2 : /^-[A-Za-z]/.test(token)

class Invalid {
  constructor(readonly message: string) {}
}

const unknownOption = (table: CommandTable, command: CommandInfo | undefined, token: string): Invalid => {
  const [name] = token.split("=", 1) as [string]
  const subject = command === undefined ? "oneiric" : `oneiric ${command.name}`
  if (!name.startsWith("--")) {
    // A short option: one letter, nothing to be near. A key typed where an option goes is the usual cause.
    const where = command === undefined ? "" : `, but ${command.name} has no option ${name}`
    const key = command?.args.some((a) => a.name === "KEY") === true ? ` (a key cannot start with "-")` : ""
    return new Invalid(`${name} looks like an option${where}${key}; see ${subject} --help`)
  }
  const candidates = allNames([...(command?.options ?? []), ...rootOptionsOf(table), { name: "--help", aliases: [], takesValue: false, placeholder: "", description: "" }])
  const near = suggest(name, candidates, { prefixes: true, limit: 2 })
  if (near.length > 0) return new Invalid(`unknown option ${name}${didYouMean(near)}`)
  const elsewhere = table.commands.filter((c) => c !== command && c.options.some((o) => o.name === name)).map((c) => c.name)
  const owner = elsewhere.length === 0 ? "" : ` (${name} is an option of ${elsewhere.join(", ")})`
  return new Invalid(`unknown option ${name} for ${subject}${owner}; see ${subject} --help`)
}

const unknownCommand = (table: CommandTable, word: string): Invalid => {
  const names = table.commands.map((c) => c.name)
  const near = suggest(word, [...names, "help"], { prefixes: true, limit: 2 })
  return new Invalid(`unknown command ${JSON.stringify(word).slice(1, -1)}${didYouMean(near)}; the commands are: ${names.join(", ")}`)
}

/** The value of `option`: inline (`--for=30m`) or the next token — unless that is another option's name. */
const valueOf = (option: OptionInfo, inline: string | undefined, next: string | undefined, known: (token: string) => boolean): string | Invalid => {
  if (inline !== undefined) return inline
  if (next === undefined || known(next.split("=", 1)[0]!)) return new Invalid(`option ${option.name} needs a value: ${option.name} ${option.placeholder}`)
  return next
}

/** Reads `args` (what follows the program name) against `table`. */
export const parseInvocation = (table: CommandTable, args: ReadonlyArray<string>, program: ReadonlyArray<string> = ["node", "oneiric"]): Invocation => {
  const roots = rootOptionsOf(table)
  const root: Array<string> = []
  // @effect/cli reads its built-in options only ahead of the root command's own.
  const builtIn: Array<string> = []
  const rest: Array<string> = []
  let command: CommandInfo | undefined
  let helpWanted = false
  let helpWord = false
  let positionals = 0
  const positional = (token: string) => {
    positionals++
    if (helpWanted || helpWord) return
    if (positionals > command!.args.length) {
      const takes = command!.args.length === 0 ? "takes no arguments" : `takes ${command!.args.map((a) => a.name).join(" ")} once`
      throw new Invalid(`unexpected argument ${JSON.stringify(token)}: oneiric ${command!.name} ${takes}`)
    }
    rest.push(token)
  }
  /** Each option once: a repeat with the same value is dropped, a different value is a mistake. */
  const given = new Map<string, string>()
  const once = (option: OptionInfo, value: string) => {
    const earlier = given.get(option.name)
    if (earlier === undefined) {
      given.set(option.name, value)
      return true
    }
    if (earlier === value) return false
    throw new Invalid(`option ${option.name} given twice: ${JSON.stringify(earlier)} and ${JSON.stringify(value)}`)
  }
  try {
    for (let i = 0; i < args.length; i++) {
      const token = args[i]!
      if (token === "--") {
        if (command === undefined) throw new Invalid(`"--" must follow a command`)
        for (const arg of args.slice(i + 1)) positional(arg)
        break
      }
      if (HELP.includes(token)) {
        helpWanted = true
        continue
      }
      if (command === undefined && !helpWord && VERSION.includes(token)) return { _tag: "Version" }
      if (command === undefined && !helpWord && (token === "--completions" || token.startsWith("--completions="))) {
        const shell = token.includes("=") ? token.slice(token.indexOf("=") + 1) : args[++i]
        const known = SHELLS.find((s) => s === shell)
        if (known === undefined) throw new Invalid(`--completions needs a shell: ${SHELLS.join(", ")}`)
        return { _tag: "Completions", shell: known }
      }
      if (isOptionToken(token)) {
        const eq = token.startsWith("--") ? token.indexOf("=") : -1
        const name = eq === -1 ? token : token.slice(0, eq)
        const inline = eq === -1 ? undefined : token.slice(eq + 1)
        const rootOption = findOption(roots, name)
        const own = rootOption === undefined && command !== undefined ? findOption(command.options, name) : undefined
        const option = rootOption ?? own
        if (option === undefined) throw unknownOption(table, command, token)
        if (!option.takesValue) {
          if (inline !== undefined) throw new Invalid(`option ${option.name} takes no value (got ${JSON.stringify(token)})`)
          if (once(option, "")) (rootOption === undefined ? rest : root).push(option.name)
          continue
        }
        const value = valueOf(option, inline, args[i + 1], (t) =>
          HELP.includes(t) || findOption(roots, t) !== undefined || (command !== undefined && findOption(command.options, t) !== undefined))
        if (value instanceof Invalid) throw value
        if (inline === undefined) i++
        if (option.integer === true && !/^-?\d+$/.test(value)) {
          throw new Invalid(`invalid ${option.name} ${JSON.stringify(value)}: expected a whole number`)
        }
        if (option.name === "--log-level" && !LOG_LEVELS.some((l) => l === value)) {
          throw new Invalid(`invalid --log-level ${JSON.stringify(value)}: expected one of ${LOG_LEVELS.join(", ")}`)
        }
        if (once(option, value)) (rootOption === undefined ? rest : BUILT_IN_ROOT_OPTIONS.includes(rootOption) ? builtIn : root).push(option.name, value)
        continue
      }
      if (command === undefined) {
        if (token === "help" && !helpWord) {
          helpWord = true
          continue
        }
        command = findCommand(table, token)
        if (command === undefined) throw unknownCommand(table, token)
        continue
      }
      positional(token)
    }
  } catch (error) {
    if (!(error instanceof Invalid)) throw error
    // Asking for help wins over a mistake made on the way.
    if (helpWanted || optionsPart(args).some((a) => HELP.includes(a))) return { _tag: "Help", command }
    return { _tag: "Invalid", message: error.message, command }
  }
  if (helpWanted || helpWord || command === undefined) return { _tag: "Help", command }
  return { _tag: "Run", args: [...program, ...builtIn, ...root, command.name, ...rest], command }
}

/** The arguments before `--` (after it, everything is a value). */
const optionsPart = (args: ReadonlyArray<string>) => {
  const end = args.indexOf("--")
  return end === -1 ? args : args.slice(0, end)
}

/** Does the command line ask for JSON? (Errors are then also printed as a JSON object.) */
export const wantsJson = (args: ReadonlyArray<string>): boolean => optionsPart(args).includes("--json")
