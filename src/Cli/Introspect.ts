/**
 * The command tree as data: every command, option and argument with its names, whether it takes a
 * value, its placeholder and its one-line description — read from the @effect/cli descriptors the
 * commands are built from, so the argument checks, the help, the completions and the docs test can
 * never disagree with what the parser accepts. An option added the usual way (`Options.text(…)`,
 * `withDescription`, `withPseudoName`) appears everywhere by itself.
 *
 * @effect/cli 0.77 exposes no public walk of its descriptors, so this reads their tagged structure;
 * `test/Cli/Introspect.test.ts` fails loudly should a new version change it.
 */
import type * as Command from "@effect/cli/Command"

export interface OptionInfo {
  /** `--domain` */
  readonly name: string
  /** `-d` */
  readonly aliases: ReadonlyArray<string>
  /** False for a flag (`--json`). */
  readonly takesValue: boolean
  /** The value must be a whole number (`--limit`, `--port`). */
  readonly integer?: boolean
  /** What the value is, for usage lines: `DOMAIN`, `DUR`, `N`. */
  readonly placeholder: string
  readonly description: string
}

export interface ArgInfo {
  /** `KEY` */
  readonly name: string
  readonly description: string
  readonly optional: boolean
}

export interface CommandInfo {
  readonly name: string
  /** The one-line description (`Command.withDescription`). */
  readonly summary: string
  readonly options: ReadonlyArray<OptionInfo>
  readonly args: ReadonlyArray<ArgInfo>
}

export interface CommandTable {
  readonly name: string
  readonly summary: string
  /** The options of the root command: accepted before or after the command. */
  readonly rootOptions: ReadonlyArray<OptionInfo>
  readonly commands: ReadonlyArray<CommandInfo>
}

type Node = { readonly _tag: string; readonly [field: string]: unknown }

const isNode = (value: unknown): value is Node =>
  typeof value === "object" && value !== null && "_tag" in value && typeof value._tag === "string"

const node = (value: unknown, where: string): Node => {
  if (!isNode(value)) throw new Error(`@effect/cli descriptor: expected a tagged node at ${where}`)
  return value
}

/** The plain text of a HelpDoc or Span (paragraphs joined by a space). */
const textOf = (value: unknown): string => {
  if (!isNode(value)) return ""
  if (value._tag === "Text" || value._tag === "Code" || value._tag === "URI") return typeof value.value === "string" ? value.value : ""
  const parts = ["value", "span", "left", "right"].map((field) => textOf(value[field])).filter((part) => part.length > 0)
  return parts.join(value._tag === "Sequence" && isNode(value.left) && value.left._tag === "Paragraph" ? " " : "")
}

const someValue = (option: unknown): string | undefined =>
  isNode(option) && option._tag === "Some" && typeof option.value === "string" ? option.value : undefined

const dashed = (name: string) => (name.length === 1 ? `-${name}` : `--${name}`)

const placeholderOf = (single: Node, name: string): string => {
  const pseudo = someValue(single.pseudoName)
  if (pseudo !== undefined) return pseudo
  const primitive = isNode(single.primitiveType) ? single.primitiveType._tag : ""
  if (primitive === "Integer" || primitive === "Float") return "N"
  return name.toUpperCase().replace(/-/g, "_")
}

const optionsOf = (value: unknown, where: string): Array<OptionInfo> => {
  const options = node(value, where)
  switch (options._tag) {
    case "Empty":
      return []
    case "Single": {
      const name = String(options.name)
      const aliases = Array.isArray(options.aliases) ? options.aliases.map((a) => dashed(String(a))) : []
      const primitive = isNode(options.primitiveType) ? options.primitiveType._tag : ""
      return [{
        name: dashed(name),
        aliases,
        takesValue: primitive !== "Bool",
        ...(primitive === "Integer" ? { integer: true } : {}),
        placeholder: placeholderOf(options, name),
        description: textOf(options.description)
      }]
    }
    case "Map":
    case "WithDefault":
    case "WithFallback":
      return optionsOf(options.options, where)
    case "Both":
    case "OrElse":
      return [...optionsOf(options.left, where), ...optionsOf(options.right, where)]
    case "Variadic":
    case "KeyValueMap":
      return optionsOf(options.argumentOption, where)
    default:
      throw new Error(`@effect/cli descriptor: unknown options node ${options._tag} at ${where}`)
  }
}

const argsOf = (value: unknown, where: string, optional = false): Array<ArgInfo> => {
  const args = node(value, where)
  switch (args._tag) {
    case "Empty":
      return []
    case "Single": {
      const name = someValue(args.pseudoName) ?? String(args.name).replace(/^<|>$/g, "")
      return [{ name, description: textOf(args.description), optional }]
    }
    case "Map":
    case "WithFallbackConfig":
      return argsOf(args.args, where, optional)
    case "WithDefault":
      return argsOf(args.args, where, true)
    case "Variadic":
      return argsOf(args.args, where, optional || args.min === 0 || (isNode(args.min) && args.min._tag === "None"))
    case "Both":
      return [...argsOf(args.left, where, optional), ...argsOf(args.right, where, optional)]
    default:
      throw new Error(`@effect/cli descriptor: unknown args node ${args._tag} at ${where}`)
  }
}

/** A Standard descriptor under any number of Map wrappers. */
const standardOf = (value: unknown, where: string): Node => {
  const descriptor = node(value, where)
  if (descriptor._tag === "Map") return standardOf(descriptor.command, where)
  if (descriptor._tag === "Standard") return descriptor
  throw new Error(`@effect/cli descriptor: expected a command at ${where}, found ${descriptor._tag}`)
}

const commandOf = (value: unknown): CommandInfo => {
  const standard = standardOf(value, "a subcommand")
  const name = String(standard.name)
  return { name, summary: textOf(standard.description), options: optionsOf(standard.options, name), args: argsOf(standard.args, name) }
}

/** The table of a root command with subcommands (what `Command.withSubcommands` returns). */
export const describeTree = (root: Command.Command<string, never, never, unknown> | { readonly descriptor: unknown }): CommandTable => {
  let descriptor = node(root.descriptor, "the root")
  while (descriptor._tag === "Map") descriptor = node(descriptor.command, "the root")
  if (descriptor._tag !== "Subcommands" || !Array.isArray(descriptor.children)) {
    throw new Error("@effect/cli descriptor: the root command has no subcommands")
  }
  const parent = standardOf(descriptor.parent, "the root")
  return {
    name: String(parent.name),
    summary: textOf(parent.description),
    rootOptions: optionsOf(parent.options, "the root"),
    commands: descriptor.children.map(commandOf)
  }
}

/** The command named `name`, if any. */
export const findCommand = (table: CommandTable, name: string): CommandInfo | undefined =>
  table.commands.find((command) => command.name === name)

/** The option of `command` (or a root option) a token names: `--domain`, `-d`. */
export const findOption = (options: ReadonlyArray<OptionInfo>, token: string): OptionInfo | undefined =>
  options.find((option) => option.name === token || option.aliases.includes(token))
