/**
 * The mistakes operators make, through the real command tree: a typo in a key, a transition that
 * changes nothing, a stray option, a misspelt option or command, root options anywhere.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as fs from "node:fs"
import { HistoryReport, TransitionReport } from "../../src/Domain/Report.js"
import { parsed, runCli } from "../cliHarness.js"
import { tempDir } from "../helpers.js"

const historyOf = (dir: string) =>
  Effect.map(runCli("--cache-dir", dir, "activity", "--history", "--json"), (r) => Schema.decodeUnknownSync(HistoryReport)(parsed(r)).history)

describe("a mistake does not look like success", () => {
  it.live("resuming a key that was never paused says nothing changed, exits 0, writes no history; --json says changed: false", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      expect((yield* runCli("--cache-dir", dir, "pause", "--domain", "task", "--key", "reports.daily")).code).toBe(0)
      const human = yield* runCli("--cache-dir", dir, "resume", "--domain", "task", "--key", "never-paused")
      expect(human.code).toBe(0)
      expect(human.stdout.split("\n")[0]).toBe("task/never-paused was not paused or draining: nothing changed")
      const json = yield* runCli("--cache-dir", dir, "resume", "--domain", "task", "--key", "never-paused", "--json")
      expect(parsed(json)).toMatchObject({ changed: false, transition: null, before: null, did_you_mean: [] })
      const paused = yield* runCli("--cache-dir", dir, "pause", "--domain", "task", "--key", "other", "--json")
      expect(parsed(paused)).toMatchObject({ changed: true })
      expect((yield* historyOf(dir)).map((t) => `${t.action} ${t.key}`)).toEqual(["pause other", "pause reports.daily"])
    }))

  it.live("a key with no row that is a near miss of a stored key: the message names the stored key", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      for (const key of ["reports.daily", "reports.weekly", "billing.invoice"]) {
        yield* runCli("--cache-dir", dir, "pause", "--domain", "task", "--key", key)
      }
      const typo = yield* runCli("--cache-dir", dir, "resume", "--domain", "task", "--key", "reprots.daily")
      expect(typo.code).toBe(0)
      expect(typo.stdout).toContain("task/reprots.daily was not paused or draining: nothing changed (did you mean task/reports.daily?)")
      const json = Schema.decodeUnknownSync(TransitionReport)(parsed(yield* runCli("--cache-dir", dir, "resume", "--domain", "task", "--key", "reports.daly", "--json")))
      expect(json.didYouMean).toEqual(["reports.daily"])
      // A pause that creates a new row next to a near miss succeeds, and says which key exists.
      const created = yield* runCli("--cache-dir", dir, "pause", "--domain", "task", "--key", "billing.invoce")
      expect(created.code).toBe(0)
      expect(created.stdout).toContain("note: task/billing.invoce had no row before (did you mean task/billing.invoice?)")
      // Nothing near: no suggestion. Another domain's keys are not candidates.
      expect((yield* runCli("--cache-dir", dir, "resume", "--domain", "task", "--key", "zzz")).stdout).not.toContain("did you mean")
      expect((yield* runCli("--cache-dir", dir, "resume", "--domain", "event", "--key", "reprots.daily")).stdout).not.toContain("did you mean")
      // activity --key with nothing found suggests too.
      expect((yield* runCli("--cache-dir", dir, "activity", "--domain", "task", "--key", "reports.weekyl")).stdout).toMatch(
        /^No row for task\/reports\.weekyl in sqlite:\S+ \(did you mean reports\.weekly\?\)$/
      )
    }))

  it.live("a key that starts with - is refused wherever it comes from (exit 2, nothing written)", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      for (const args of [["-y"], ["--key", "-y"], ["--key=-y"], ["--", "-y"], ["-k", "--force"]]) {
        const result = yield* runCli("--cache-dir", dir, "pause", "--domain", "task", ...args)
        expect(result.code).toBe(2)
        expect(result.stderr).toMatch(/looks like an option/)
      }
      expect(fs.readdirSync(dir)).toEqual([])
    }))

  it.live("notes are free text: quotes, ;, \\, -- and /* are stored as typed; keys use letters, digits and . _ - : / @", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const note = `don't deploy; see "INC-42" \\ -- /* ünïcødé 🚧 */`
      const key = "team-a/queue:emails@eu_1.v2"
      const result = yield* runCli("--cache-dir", dir, "pause", "--domain", "task", "--key", key, "--note", note, "--json")
      expect(result.code).toBe(0)
      expect(parsed(result)).toMatchObject({ key, after: { note } })
      expect((yield* runCli("--cache-dir", dir, "pause", "--domain", "task", "--key", "x", "--note", "n".repeat(1023) + "🚧")).code).toBe(0)
      const long = yield* runCli("--cache-dir", dir, "pause", "--domain", "task", "--key", "x", "--note", "n".repeat(1024) + "🚧")
      expect(long.stderr).toMatch(/note is 1025 characters; at most 1024/)
      for (const wildcard of ["*", "team-a.*"]) {
        expect((yield* runCli("--cache-dir", dir, "pause", "--domain", "event", "--key", wildcard)).code).toBe(0)
      }
    }))
})

describe("errors that name the problem", () => {
  const cases: ReadonlyArray<readonly [ReadonlyArray<string>, string]> = [
    [["pause", "--domain", "task", "--key", "a", "--fro", "30m"], "unknown option --fro (did you mean --for?)"],
    [["pause", "--domain", "task", "--key", "a", "--nte", "hello"], "unknown option --nte (did you mean --note?)"],
    [["pause", "-d", "task", "--dryrun"], "unknown option --dryrun (did you mean --dry-run?)"],
    [["activity", "--jsn"], "unknown option --jsn (did you mean --json?)"],
    [["activity", "--wait"], "unknown option --wait for oneiric activity (--wait is an option of pause, drain, resume); see oneiric activity --help"],
    [["paus", "--domain", "task"], "unknown command paus (did you mean pause?); the commands are: activity, pause, drain, resume, health, supervisor-info, migrate, run"],
    [["helth"], "unknown command helth (did you mean health?)"],
    [["help", "drian"], "unknown command drian (did you mean drain?)"],
    [["pause", "--domain", "task", "--key"], "option --key needs a value: --key KEY"],
    [["pause", "--domain", "task", "--json=yes", "--key", "a"], "option --json takes no value"],
    [["pause", "--domain", "task", "a", "b"], "unexpected argument \"b\": oneiric pause takes KEY once"],
    [["--log-level", "loud", "activity"], "invalid --log-level \"loud\""],
    [["activity", "--history", "--limit", "ten"], "invalid --limit \"ten\": expected a whole number"],
    [["--completions", "powershell"], "--completions needs a shell: bash, zsh, fish"],
    [["--profile", "default", "activity", "--profile=serverless"], "option --profile given twice: \"default\" and \"serverless\""]
  ]
  for (const [args, message] of cases) {
    it.live(`oneiric ${args.join(" ")}`, () =>
      Effect.gen(function*() {
        const dir = tempDir()
        const result = yield* runCli(...args, "--cache-dir", dir)
        expect(result.code).toBe(2)
        expect(result.stderr.split("\n")).toHaveLength(1)
        expect(result.stderr).toContain(`oneiric: ${message}`)
        expect(fs.readdirSync(dir)).toEqual([])
      }))
  }

  it.live("with --json a usage error is also a JSON object", () =>
    Effect.gen(function*() {
      const result = yield* runCli("activity", "--jsn", "--json")
      expect(result.code).toBe(2)
      expect(parsed(result)).toEqual({ error: { tag: "InvalidUsage", message: "unknown option --jsn (did you mean --json?)", exit_code: 2 } })
    }))

  it.live("root options work before or after the command, with a space or =", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      yield* runCli("--cache-dir", dir, "pause", "--domain", "task", "--key", "k")
      const spellings: ReadonlyArray<ReadonlyArray<string>> = [
        ["--log-level", "debug", "activity", "--cache-dir", dir, "--json"],
        ["--log-level=warning", "--cache-dir=" + dir, "activity", "--json"],
        ["activity", "--json", "--cache-dir=" + dir, "--log-level", "error"],
        ["--profile", "default", "activity", "--cache-dir", dir, "--json", "--profile=default"],
        ["activity", "--cache-dir", dir, "--config", `${dir}/none.toml`, "--json"]
      ]
      for (const args of spellings) {
        const result = yield* runCli(...args)
        if (args.includes("--config")) {
          // The file does not exist: the resolver says so, which proves --config reached it after the command.
          expect(result.stderr).toMatch(/none\.toml/)
          continue
        }
        expect(result.code).toBe(0)
        expect(parsed(result)).toMatchObject({ store_present: true, totals: { paused: 1 } })
      }
    }))

  it.live("help, --help, -h, help <command>, --version, -v", () =>
    Effect.gen(function*() {
      const program = yield* runCli("--help")
      expect(program.code).toBe(0)
      for (const args of [["help"], ["-h"], []]) expect((yield* runCli(...args)).stdout).toBe(program.stdout)
      const pause = yield* runCli("help", "pause")
      expect(pause.stdout).toMatch(/^oneiric pause: /)
      for (const args of [["pause", "--help"], ["pause", "-h"], ["--help", "pause"], ["pause", "--domain", "task", "--help"]]) {
        expect((yield* runCli(...args)).stdout).toBe(pause.stdout)
      }
      for (const flag of ["--version", "-v"]) expect((yield* runCli(flag)).stdout).toBe("oneiric 0.1.0")
      // Asking for help wins over a mistake on the way to it.
      for (const args of [["pause", "--fro", "--help"], ["pause", "--key", "--help"]]) expect((yield* runCli(...args))).toMatchObject({ code: 0, stdout: pause.stdout })
    }))
})
