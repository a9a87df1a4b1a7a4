/**
 * The documentation stays true: every `oneiric` command and option the README and docs/ mention exists,
 * and every command of a `console` block runs through the built bin, in order, in a fresh directory per
 * page. A documented error (`oneiric: …`) must be the error printed. Needs the build (`npm test` builds first).
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { commandTable } from "../src/Cli.js"
import { parseInvocation, rootOptionsOf } from "../src/Cli/Argv.js"
import { tempDir } from "./helpers.js"
import { BIN } from "./live/worker.js"
import { shellWords } from "./shell.js"

const ROOT = fileURLToPath(new URL("..", import.meta.url))
const PAGES = ["README.md", ...fs.readdirSync(path.join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)]

const OPTIONS = new Set([
  ...rootOptionsOf(commandTable).flatMap((o) => [o.name, ...o.aliases]),
  ...commandTable.commands.flatMap((c) => c.options.flatMap((o) => [o.name, ...o.aliases])),
  "--help", "--version", "--completions"
])
const COMMANDS = new Set([...commandTable.commands.map((c) => c.name), "help"])

const TAKES_VALUE = new Set([
  ...rootOptionsOf(commandTable).filter((o) => o.takesValue).flatMap((o) => [o.name, ...o.aliases]),
  ...commandTable.commands.flatMap((c) => c.options.filter((o) => o.takesValue).flatMap((o) => [o.name, ...o.aliases])),
  "--completions"
])

/** The command word of an `oneiric …` mention (after any options and their values), if it names one. */
const commandWord = (piece: string): string | undefined => {
  const at = /(?:^|[\s(`$])(?:npx\s+)?oneiric\s/.exec(piece)
  if (at === null) return undefined
  const words = piece.slice(at.index + at[0].length).split(/\s+/)
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!
    if (word.startsWith("-")) {
      if (TAKES_VALUE.has(word)) i++
      continue
    }
    return /^[a-z][\w-]*$/.test(word) ? word : undefined
  }
  return undefined
}

interface Block {
  readonly lang: string
  readonly lines: ReadonlyArray<string>
}

const blocks = (text: string): Array<Block> =>
  [...text.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1]!, lines: m[2]!.split("\n") }))

/** Inline code spans outside fenced blocks. */
const spans = (text: string): Array<string> => [...text.replace(/^```[\s\S]*?^```$/gm, "").matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!)

/** A documented command line: the `oneiric` invocation in it (after env assignments, before `;`, `|`, `&`). */
interface Invocation {
  readonly args: ReadonlyArray<string>
  readonly env: Record<string, string>
  readonly background: boolean
}

const invocationOf = (line: string): Invocation | undefined => {
  const [first] = line.split(/\s*(?:;|\|\||\||&&)\s*/)
  const background = /&\s*$/.test(first!)
  const words = shellWords(first!.replace(/&\s*$/, ""))
  const env: Record<string, string> = {}
  while (words.length > 0 && /^[A-Z_][A-Z0-9_]*=/.test(words[0]!)) {
    const [name, ...value] = words.shift()!.split("=")
    env[name!] = value.join("=")
  }
  if (words[0] === "npx") words.shift()
  if (words[0] !== "oneiric") return undefined
  return { args: words.slice(1), env, background }
}

/** Console blocks as commands, each with the output documented under it. */
const documentedCommands = (text: string) =>
  blocks(text).filter((b) => b.lang === "console").flatMap((block) => {
    const commands: Array<{ line: string; output: Array<string> }> = []
    for (const line of block.lines) {
      if (line.startsWith("$ ")) commands.push({ line: line.slice(2), output: [] })
      else commands.at(-1)?.output.push(line)
    }
    return commands
  })

/** A command line of another program (`tsc --noEmit`, `gcloud run deploy --set-secrets …`): its options are not ours. */
const OTHER_PROGRAMS = new Set(["gcloud", "kubectl", "tsc", "npm", "curl", "docker", "psql", "systemctl", "systemd-analyze", "promtool", "node", "git", "apt-get", "openssl", "python3"])
const otherProgram = (piece: string) => {
  const words = piece.replace(/^\$\s+/, "").trim().split(/\s+/).filter((w) => !/^[A-Z_][A-Z0-9_]*=/.test(w))
  return OTHER_PROGRAMS.has(words[0] ?? "")
}

describe.each(PAGES)("%s", (page) => {
  const text = fs.readFileSync(path.join(ROOT, page), "utf8")

  it("mentions only commands and options that exist", () => {
    // A documented mistake names what does not exist on purpose: the run below checks it fails as shown.
    const mistakes = new Set(documentedCommands(text).filter((c) => c.output.some((l) => l.startsWith("oneiric: "))).map((c) => `$ ${c.line}`))
    const code = [...spans(text), ...blocks(text).flatMap((b) => b.lines)].filter((l) => !mistakes.has(l) && !l.startsWith("oneiric: ") && !/unknown (option|command)/.test(l))
    for (const piece of code) {
      if (otherProgram(piece)) continue
      for (const flag of piece.match(/(?<![\w-])--[a-z][a-z-]*/g) ?? []) {
        expect(OPTIONS.has(flag), `${page}: ${flag} in "${piece}"`).toBe(true)
      }
      const command = commandWord(piece)
      if (command !== undefined) expect(COMMANDS.has(command), `${page}: "oneiric … ${command}" in "${piece}"`).toBe(true)
    }
  })

  it("every command of its console blocks runs", () => {
    const cwd = tempDir("oneiric-docs-")
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("ONEIRIC_") && name !== "PORT" && name !== "NO_COLOR"))
    for (const { line, output } of documentedCommands(text)) {
      const invocation = invocationOf(line)
      if (invocation === undefined) continue
      const parsed = parseInvocation(commandTable, invocation.args)
      const documentedError = output.find((l) => l.startsWith("oneiric: "))
      if (parsed._tag === "Invalid") {
        expect(`oneiric: ${parsed.message}`, `${page}: $ ${line}`).toBe(documentedError)
        continue
      }
      // `run` serves until stopped: that it parses is what a page can promise.
      if (invocation.background || (parsed._tag === "Run" && parsed.command.name === "run")) continue
      const result = spawnSync(process.execPath, [BIN, ...invocation.args], { cwd, env: { ...env, ...invocation.env }, encoding: "utf8", timeout: 60_000 })
      const context = `${page}: $ ${line}\n${result.stdout}${result.stderr}`
      expect(result.status, context).not.toBe(1)
      if (result.status === 2) expect(result.stderr.trim(), context).toBe(documentedError)
      if (documentedError !== undefined) expect(result.status, context).not.toBe(0)
    }
  })
})

it("the README's first screen says what it is and gives the two set-up commands", () => {
  const firstScreen = fs.readFileSync(path.join(ROOT, "README.md"), "utf8").split("\n").slice(0, 24).join("\n")
  expect(firstScreen).toMatch(/Pause, drain and resume units of work/)
  expect(firstScreen).toMatch(/^npm ci && npm start\b/m)
  expect(firstScreen).toMatch(/^npm ci && npm test\b/m)
  const scripts = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts
  expect(scripts.start).toBe("node dist/bin.cjs run --demo")
  expect(scripts.pretest).toBe("npm run build")
  for (const page of PAGES.filter((p) => p !== "README.md")) expect(fs.readFileSync(path.join(ROOT, "README.md"), "utf8")).toContain(`(${page})`)
})
