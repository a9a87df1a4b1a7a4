/**
 * `oneiric --completions bash|zsh|fish`: shell completion from the command table. Values complete
 * where there is something to offer — `--domain` to the six domains, `--state`, `--profile` and
 * `--log-level` to theirs, paths to files or directories — and to nothing else (never to file names
 * for a key or a note).
 */
import { ActivityState } from "../Domain/Activity.js"
import { ProfileName } from "../Domain/Config.js"
import { Domains } from "../Domain/Domain.js"
import { LOG_LEVELS, rootOptionsOf } from "./Argv.js"
import type { SHELLS } from "./Argv.js"
import type { CommandTable, OptionInfo } from "./Introspect.js"

type ValueCompletion = { readonly words: ReadonlyArray<string> } | { readonly files: "file" | "directory" }

/** What an option's value completes to, by option name. */
const VALUES: Readonly<Record<string, ValueCompletion>> = {
  "--domain": { words: Domains },
  "--state": { words: ActivityState.literals },
  "--profile": { words: ProfileName.literals },
  "--log-level": { words: LOG_LEVELS },
  "--config": { files: "file" },
  "--health-path": { files: "file" },
  "--cache-dir": { files: "directory" }
}

export const valueCompletion = (option: OptionInfo): ValueCompletion | undefined => VALUES[option.name]

const namesOf = (option: OptionInfo) => [option.name, ...option.aliases]

const bash = (table: CommandTable): string => {
  const roots = rootOptionsOf(table)
  const every = [...roots, ...table.commands.flatMap((c) => c.options)]
  const valueCases = new Map<string, string>()
  for (const option of every) {
    if (!option.takesValue) continue
    const completion = valueCompletion(option)
    const action = completion === undefined
      ? "return 0"
      : "words" in completion
      ? `COMPREPLY=($(compgen -W "${completion.words.join(" ")}" -- "$cur")); return 0`
      : `COMPREPLY=($(compgen ${completion.files === "directory" ? "-d" : "-f"} -- "$cur")); return 0`
    for (const name of namesOf(option)) valueCases.set(name, action)
  }
  const byAction = new Map<string, Array<string>>()
  for (const [name, action] of valueCases) byAction.set(action, [...(byAction.get(action) ?? []), name])
  const rootWords = roots.flatMap(namesOf).concat("--help", "--version", "--completions").join(" ")
  return [
    "# oneiric completion for bash: source this file, or save it in ~/.local/share/bash-completion/completions/oneiric",
    "_oneiric() {",
    "  local cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"${COMP_WORDS[COMP_CWORD-1]}\" command=\"\" i",
    "  case \"$prev\" in",
    ...[...byAction].map(([action, names]) => `    ${names.join("|")}) ${action} ;;`),
    "    --completions) COMPREPLY=($(compgen -W \"bash zsh fish\" -- \"$cur\")); return 0 ;;",
    "  esac",
    "  for ((i = 1; i < COMP_CWORD; i++)); do",
    "    case \"${COMP_WORDS[i]}\" in",
    `      ${table.commands.map((c) => c.name).join("|")}) command=\"\${COMP_WORDS[i]}\"; break ;;`,
    "    esac",
    "  done",
    "  local words",
    "  case \"$command\" in",
    `    \"\") words=\"${table.commands.map((c) => c.name).join(" ")} help ${rootWords}\" ;;`,
    ...table.commands.map((c) => `    ${c.name}) words=\"${c.options.flatMap(namesOf).join(" ")} ${rootWords}\" ;;`),
    "  esac",
    "  COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))",
    "}",
    "complete -F _oneiric oneiric",
    ""
  ].join("\n")
}

/** zsh runs the bash completion through bashcompinit: one definition, two shells. */
const zsh = (table: CommandTable): string =>
  [
    "#compdef oneiric",
    "# oneiric completion for zsh: source this file from ~/.zshrc",
    "autoload -U +X compinit && compinit",
    "autoload -U +X bashcompinit && bashcompinit",
    bash(table).split("\n").slice(1).join("\n")
  ].join("\n")

const quoted = (text: string) => `'${text.replace(/'/g, "\\'")}'`

const fish = (table: CommandTable): string => {
  const line = (condition: string, option: OptionInfo) => {
    const completion = valueCompletion(option)
    const names = [`-l ${option.name.slice(2)}`, ...option.aliases.filter((a) => a.length === 2).map((a) => `-s ${a.slice(1)}`)]
    const value = !option.takesValue
      ? ""
      : completion === undefined
      ? " -x"
      : "words" in completion
      ? ` -x -a ${quoted(completion.words.join(" "))}`
      : completion.files === "directory" ? " -x -a '(__fish_complete_directories)'" : " -r -F"
    return `complete -c oneiric -n ${quoted(condition)} ${names.join(" ")}${value} -d ${quoted(option.description)}`
  }
  const commands = table.commands.map((c) => c.name).join(" ")
  return [
    "# oneiric completion for fish: save as ~/.config/fish/completions/oneiric.fish",
    "complete -c oneiric -f",
    ...table.commands.map((c) => `complete -c oneiric -n '__fish_use_subcommand' -a ${c.name} -d ${quoted(c.summary)}`),
    `complete -c oneiric -n '__fish_use_subcommand' -a help -d 'Help for a command'`,
    ...rootOptionsOf(table).map((o) => line("true", o)),
    ...table.commands.flatMap((c) => c.options.map((o) => line(`__fish_seen_subcommand_from ${c.name}`, o))),
    `complete -c oneiric -n 'not __fish_seen_subcommand_from ${commands}' -l version -s v -d 'Print the version'`,
    ""
  ].join("\n")
}

export const completionScript = (table: CommandTable, shell: (typeof SHELLS)[number]): string =>
  shell === "bash" ? bash(table) : shell === "zsh" ? zsh(table) : fish(table)
