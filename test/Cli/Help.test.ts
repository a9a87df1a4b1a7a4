/** Help that helps: real descriptions, examples that run, short, wrapped, plain unless styling is wanted. */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { commandTable } from "../../src/Cli.js"
import { parseInvocation } from "../../src/Cli/Argv.js"
import { GUIDES } from "../../src/Cli/Guide.js"
import { colorWanted } from "../../src/Cli/Terminal.js"
import { runCli, runCliOn } from "../cliHarness.js"
import { tempDir } from "../helpers.js"
import { shellWords } from "../shell.js"

const ANSI = /\u001b\[/


describe("oneiric --help", () => {
  it.live("fits one screen (24 lines of 80 columns) and names every command with a real description", () =>
    Effect.gen(function*() {
      const help = yield* runCli("--help")
      const lines = help.stdout.split("\n")
      expect(lines.length).toBeLessThanOrEqual(24)
      expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(80)
      for (const command of commandTable.commands) {
        expect(help.stdout).toMatch(new RegExp(`^  ${command.name}\\s+\\S`, "m"))
        expect(command.summary.length).toBeGreaterThan(10)
      }
      for (const option of ["--cache-dir DIR", "--config FILE", "--profile NAME", "--log-level LEVEL"]) expect(help.stdout).toContain(option)
    }))
})

describe("each command's help", () => {
  for (const command of commandTable.commands) {
    it.live(`${command.name}: opens with what it does and examples, describes every option, at most 60 lines`, () =>
      Effect.gen(function*() {
        const help = yield* runCli(command.name, "--help")
        expect(help.code).toBe(0)
        const lines = help.stdout.split("\n")
        expect(lines.length).toBeLessThanOrEqual(60)
        expect(lines[0]).toBe(`oneiric ${command.name}: ${command.summary}`)
        const guide = GUIDES[command.name]
        expect(guide, `a guide for ${command.name} in src/Cli/Guide.ts`).toBeDefined()
        expect(guide!.examples.length).toBeGreaterThanOrEqual(2)
        expect(guide!.examples.length).toBeLessThanOrEqual(3)
        const examplesAt = lines.indexOf("Examples:")
        const optionsAt = lines.indexOf("Options:")
        expect(examplesAt).toBeGreaterThan(0)
        expect(optionsAt).toBeGreaterThan(examplesAt)
        for (const example of guide!.examples) expect(lines.slice(examplesAt, optionsAt)).toContain(`  ${example.command}`)
        for (const option of command.options) {
          expect(option.description.length, `${command.name} ${option.name} has a description`).toBeGreaterThan(10)
          expect(option.description).not.toMatch(/user-defined piece of text/i)
          expect(help.stdout).toContain(option.name)
        }
        expect(help.stdout).not.toMatch(/\$ /)
        expect(help.stdout).not.toMatch(ANSI)
      }))
  }

  it.live("wraps to the terminal's width; styled only when styling is wanted", () =>
    Effect.gen(function*() {
      for (const columns of [50, 72, 100]) {
        const help = yield* runCliOn({ columns }, "drain", "--help")
        const examples = new Set(GUIDES["drain"]!.examples.map((e) => `  ${e.command}`))
        // Example command lines stay whole so they can be copied; everything else fits.
        for (const line of help.stdout.split("\n").filter((l) => !examples.has(l))) expect(line.length).toBeLessThanOrEqual(columns)
      }
      const styled = yield* runCliOn({ isTTY: true, color: true }, "pause", "--help")
      expect(styled.stdout).toMatch(ANSI)
      const plain = yield* runCliOn({ isTTY: true, color: false }, "pause", "--help")
      expect(plain.stdout).not.toMatch(ANSI)
    }))

  it("NO_COLOR (set and not empty), TERM=dumb and a pipe mean plain output", () => {
    expect(colorWanted(true, {})).toBe(true)
    expect(colorWanted(true, { NO_COLOR: "1" })).toBe(false)
    expect(colorWanted(true, { NO_COLOR: "" })).toBe(true)
    expect(colorWanted(true, { TERM: "dumb" })).toBe(false)
    expect(colorWanted(false, {})).toBe(false)
  })

  it.live("every example in the help runs (run's examples parse; they serve until stopped)", () =>
    Effect.gen(function*() {
      for (const [name, guide] of Object.entries(GUIDES)) {
        expect(commandTable.commands.map((c) => c.name)).toContain(name)
        for (const example of guide.examples) {
          const [program, ...args] = shellWords(example.command)
          expect(program).toBe("oneiric")
          const invocation = parseInvocation(commandTable, args)
          expect(invocation, example.command).toMatchObject({ _tag: "Run", command: { name } })
          if (name === "run") continue
          const result = yield* runCli("--cache-dir", tempDir(), ...args)
          expect([0, 3], `${example.command}: ${result.stderr}`).toContain(result.code)
        }
      }
    }))
})

describe("completions", () => {
  const complete = (script: string, words: ReadonlyArray<string>) => {
    const dir = tempDir()
    const file = path.join(dir, "oneiric.bash")
    fs.writeFileSync(file, script)
    const line = words.map((w) => `'${w}'`).join(" ")
    const result = spawnSync("bash", ["-c", `source ${file}; COMP_WORDS=(${line}); COMP_CWORD=${words.length - 1}; _oneiric; printf '%s\\n' "\${COMPREPLY[@]}"`], {
      encoding: "utf8",
      cwd: dir
    })
    expect(result.stderr).toBe("")
    return result.stdout.split("\n").filter((l) => l.length > 0)
  }

  it.live("bash: --domain completes to the six domains, not to file names; commands and options complete", () =>
    Effect.gen(function*() {
      const script = (yield* runCli("--completions", "bash")).stdout
      fs.writeFileSync(path.join(tempDir(), "decoy.txt"), "")
      expect(complete(script, ["oneiric", "pause", "--domain", ""])).toEqual(["adapter", "service", "task", "event", "workflow", "action"])
      expect(complete(script, ["oneiric", "pause", "-d", "w"])).toEqual(["workflow"])
      expect(complete(script, ["oneiric", "pause", "--key", ""])).toEqual([])
      expect(complete(script, ["oneiric", "dr"])).toEqual(["drain"])
      expect(complete(script, ["oneiric", "drain", "--wa"])).toEqual(["--wait"])
      expect(complete(script, ["oneiric", "activity", "--state", "dr"])).toEqual(["draining", "drained"])
      expect(complete(script, ["oneiric", "--cache-dir", "/tmp/x", "activity", "--js"])).toEqual(["--json"])
    }))

  it.live("zsh and fish scripts are generated from the same table", () =>
    Effect.gen(function*() {
      const zsh = (yield* runCli("--completions", "zsh")).stdout
      expect(zsh).toMatch(/^#compdef oneiric/)
      expect(zsh).toContain("bashcompinit")
      const fish = (yield* runCli("--completions", "fish")).stdout
      expect(fish).toContain("complete -c oneiric -n '__fish_seen_subcommand_from pause' -l domain -s d -x -a 'adapter service task event workflow action'")
      const check = spawnSync("bash", ["-n"], { input: (yield* runCli("--completions", "bash")).stdout })
      expect(check.status).toBe(0)
    }))
})
