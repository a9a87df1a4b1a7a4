import { describe, expect, it } from "@effect/vitest"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import * as Schema from "effect/Schema"
import * as fs from "node:fs"
import * as path from "node:path"
import { ActivityReport, HistoryReport, TransitionReport } from "../src/Domain/Report.js"
import { parsed, runCli } from "./cliHarness.js"
import { tempDir } from "./helpers.js"

const cacheArgs = () => ["--cache-dir", tempDir()] as const

describe("CLI: pause, drain, resume, activity", () => {
  it.live("pause → activity → resume round trip with JSON encoded by the documented schemas", () =>
    Effect.gen(function*() {
      const cache = cacheArgs()
      const paused = yield* runCli(...cache, "pause", "--domain", "Workflow", "--key", "demo.fulfillment", "--note", "maintenance", "--by", "ops@example", "--json")
      expect(paused.code).toBe(0)
      expect(paused.stderr).toBe("")
      const report = Schema.decodeUnknownSync(TransitionReport)(parsed(paused))
      expect(report).toMatchObject({ action: "pause", domain: "workflow", key: "demo.fulfillment", dryRun: false })
      expect(report.after).toMatchObject({ paused: true, note: "maintenance", updatedBy: "ops@example", source: "cli" })
      expect(report.effective.state).toBe("paused")
      expect(parsed(paused)).toMatchObject({ dry_run: false, affected_keys: ["demo.fulfillment"], after: { updated_by: "ops@example" } })

      const listed = yield* runCli(...cache, "activity", "--json")
      expect(listed.code).toBe(0)
      const activity = Schema.decodeUnknownSync(ActivityReport)(parsed(listed))
      expect(activity.totals).toMatchObject({ paused: 1, draining: 0, noteOnly: 0, entries: 1 })
      expect(activity.domains["workflow"]?.entries[0]).toMatchObject({ key: "demo.fulfillment", state: "paused", note: "maintenance" })
      expect(parsed(listed)).toMatchObject({ domains: { workflow: { counts: { paused: 1, draining: 0, note_only: 0 } } } })

      const resumed = yield* runCli(...cache, "resume", "--domain", "workflow", "--key", "demo.fulfillment", "--json")
      expect(resumed.code).toBe(0)
      expect(Schema.decodeUnknownSync(TransitionReport)(parsed(resumed)).after).toBeNull()
      const after = Schema.decodeUnknownSync(ActivityReport)(parsed(yield* runCli(...cache, "activity", "--json")))
      expect(after.totals.entries).toBe(0)

      const history = Schema.decodeUnknownSync(HistoryReport)(parsed(yield* runCli(...cache, "activity", "--history", "--json")))
      expect(history.history.map((t) => t.action)).toEqual(["resume", "pause"])
      expect(history.history[1]?.note).toBe("maintenance")
    }))

  it.live("the original's spellings: positional key, pause --resume, drain --clear; root options after the command", () =>
    Effect.gen(function*() {
      const [, dir] = cacheArgs()
      expect((yield* runCli("pause", "orders", "--domain", "task", "--cache-dir", dir)).code).toBe(0)
      expect((yield* runCli("drain", "orders", "--domain", "task", "--cache-dir", dir)).code).toBe(0)
      const cleared = yield* runCli("pause", "orders", "--domain", "task", "--resume", "--json", "--cache-dir", dir)
      expect(cleared.code).toBe(0)
      expect(parsed(cleared)).toMatchObject({ action: "clear-pause", after: { paused: false, draining: true } })
      const drained = yield* runCli("drain", "--key", "orders", "--domain", "task", "--clear", "--json", "--cache-dir", dir)
      expect(parsed(drained)).toMatchObject({ action: "clear-drain", after: null })
      expect(fs.existsSync(path.join(dir, "domain_activity.sqlite"))).toBe(true)
    }))

  it.live("human output is a readable table", () =>
    Effect.gen(function*() {
      const cache = cacheArgs()
      yield* runCli(...cache, "pause", "--domain", "event", "--key", "other")
      yield* runCli(...cache, "resume", "--domain", "event", "--key", "other")
      expect((yield* runCli(...cache, "activity")).stdout).toContain("Every key is accepting work")
      yield* runCli(...cache, "drain", "--domain", "event", "--key", "billing.*", "--note", "migration")
      const shown = yield* runCli(...cache, "activity")
      expect(shown.stdout).toMatch(/event: 0 paused, 1 draining, 0 note-only/)
      expect(shown.stdout).toMatch(/KEY\s+STATE\s+INFLIGHT\s+NOTE/)
      expect(shown.stdout).toMatch(/billing\.\*\s+drained\s+0\s+migration/)
      const history = yield* runCli(...cache, "activity", "--history")
      expect(history.stdout).toMatch(/SEQ\s+AT\s+DOMAIN/)
      expect(history.stdout).toMatch(/event\s+billing\.\*\s+drain\s+draining\s+migration/)
    }))

  it.live("wildcard pause reports the keys it affects; activity filters by domain, state and key", () =>
    Effect.gen(function*() {
      const cache = cacheArgs()
      yield* runCli(...cache, "drain", "--domain", "event", "--key", "billing.invoice")
      yield* runCli(...cache, "pause", "--domain", "event", "--key", "shipping")
      const wildcard = yield* runCli(...cache, "pause", "--domain", "event", "--key", "billing.*", "--json")
      expect(parsed(wildcard)).toMatchObject({
        affected_keys: ["billing.*", "billing.invoice"],
        effective: { state: "paused", rule: { key: "billing.*", kind: "own" } }
      })
      const paused = Schema.decodeUnknownSync(ActivityReport)(parsed(yield* runCli(...cache, "activity", "--state", "paused", "--json")))
      expect(paused.domains["event"]?.entries.map((e) => e.key)).toEqual(["billing.*", "shipping"])
      const one = Schema.decodeUnknownSync(ActivityReport)(parsed(yield* runCli(...cache, "activity", "--key", "shipping", "--domain", "EVENT", "--json")))
      expect(one.totals.entries).toBe(1)
      const none = Schema.decodeUnknownSync(ActivityReport)(parsed(yield* runCli(...cache, "activity", "--domain", "task", "--json")))
      expect(none.domains).toEqual({})
      const limited = Schema.decodeUnknownSync(HistoryReport)(parsed(yield* runCli(...cache, "activity", "--history", "--limit", "2", "--json")))
      expect(limited.history.map((t) => t.key)).toEqual(["billing.*", "shipping"])
    }))

  it.live("--for sets an expiry; --dry-run writes nothing", () =>
    Effect.gen(function*() {
      const cache = cacheArgs()
      const timed = yield* runCli(...cache, "pause", "--domain", "task", "--key", "nightly", "--for", "30m", "--json")
      const report = Schema.decodeUnknownSync(TransitionReport)(parsed(timed))
      const minutes = (report.after!.expiresAt!.epochMillis - Date.now()) / 60_000
      expect(minutes).toBeGreaterThan(29)
      expect(minutes).toBeLessThanOrEqual(30)
      const dry = yield* runCli(...cache, "resume", "--domain", "task", "--key", "nightly", "--dry-run", "--json")
      expect(parsed(dry)).toMatchObject({ dry_run: true, after: null, transition: null })
      expect((yield* runCli(...cache, "resume", "--domain", "task", "--key", "nightly", "--dry-run")).stdout).toContain("dry run: would resume task/nightly (nothing written)")
      const still = Schema.decodeUnknownSync(ActivityReport)(parsed(yield* runCli(...cache, "activity", "--json")))
      expect(still.domains["task"]?.entries[0]).toMatchObject({ key: "nightly", state: "paused" })
    }))
})

describe("CLI: bad input exits 2 with one line on stderr and writes nothing", () => {
  const longKey = "k".repeat(257)
  const longNote = "n".repeat(1025)
  const cases: ReadonlyArray<readonly [string, ReadonlyArray<string>, RegExp]> = [
    ["unknown domain", ["pause", "--domain", "bogus", "--key", "a"], /unknown domain "bogus"; expected one of: adapter, service/],
    ["empty key", ["pause", "--domain", "task", "--key", ""], /key must not be empty/],
    ["over-long key", ["pause", "--domain", "task", "--key", longKey], /key is 257 characters; at most 256/],
    ["control character in key", ["pause", "--domain", "task", "--key", "a\u0007b"], /control characters/],
    ["misplaced wildcard", ["pause", "--domain", "task", "--key", "a*b"], /"\*" may only appear/],
    ["no key", ["pause", "--domain", "task"], /a key is required/],
    ["two different keys", ["pause", "x", "--domain", "task", "--key", "y"], /two different keys/],
    ["note over 1024 characters", ["pause", "--domain", "task", "--key", "a", "--note", longNote], /note is 1025 characters; at most 1024/],
    ["negative --for", ["pause", "--domain", "task", "--key", "a", "--for", "-5m"], /invalid --for "-5m"/],
    ["unparsable --for", ["pause", "--domain", "task", "--key", "a", "--for", "soon"], /invalid --for "soon"/],
    ["--until in the past", ["pause", "--domain", "task", "--key", "a", "--until", "2001-01-01T00:00:00Z"], /it is in the past/],
    ["unparsable --until", ["pause", "--domain", "task", "--key", "a", "--until", "tomorrow"], /invalid --until "tomorrow"/],
    ["--for with --until", ["drain", "--domain", "task", "--key", "a", "--for", "5m", "--until", "2099-01-01T00:00:00Z"], /--for and --until cannot be combined/],
    ["a key outside the key character set", ["pause", "--domain", "task", "--key", "a'; DROP TABLE activity; --"], /invalid key: "a'; DROP TABLE activity; --" contains "'"; keys use letters, digits and \. _ - : \/ @/],
    ["a space in a key", ["pause", "--domain", "task", "--key", "nightly report"], /invalid key: "nightly report" contains U\+0020 \(a space\); keys use/],
    ["a key that starts with -", ["pause", "--domain", "task", "--key=-y"], /"-y" looks like an option, not a key/],
    ["a stray short option", ["pause", "--domain", "task", "-y"], /-y looks like an option, but pause has no option -y \(a key cannot start with "-"\)/],
    ["a control character in a note", ["pause", "--domain", "task", "--key", "a", "--note", "line one\nline two"], /note must not contain control characters \(found U\+000A at character 9\)/],
    ["a bidirectional override in a note", ["pause", "--domain", "task", "--key", "a", "--note", "ok\u202Eevil"], /note must not contain unprintable characters \(found U\+202E/],
    ["unknown --state", ["activity", "--state", "sleeping"], /"sleeping" is not a state/],
    ["zero --limit", ["activity", "--history", "--limit", "0"], /invalid --limit 0/],
    ["unknown option", ["pause", "--domain", "task", "--key", "a", "--bogus"], /bogus/],
    ["unknown command", ["frobnicate"], /.+/]
  ]

  for (const [name, args, message] of cases) {
    it.live(name, () =>
      Effect.gen(function*() {
        const dir = tempDir()
        const result = yield* runCli("--cache-dir", dir, ...args)
        expect(result.code).toBe(2)
        expect(result.stderr.split("\n")).toHaveLength(1)
        expect(result.stderr).toMatch(/^oneiric: /)
        expect(result.stderr).toMatch(message)
        expect(result.stdout).toBe("")
        // Nothing written: the store was never even created.
        expect(fs.readdirSync(dir)).toEqual([])
      }))
  }

  it.live("with --json the error is also a JSON object on stdout", () =>
    Effect.gen(function*() {
      const result = yield* runCli("--cache-dir", tempDir(), "pause", "--domain", "nope", "--key", "a", "--json")
      expect(result.code).toBe(2)
      expect(parsed(result)).toMatchObject({ error: { tag: "InvalidInput", exit_code: 2 } })
    }))

  it.live("bad input leaves an existing store untouched", () =>
    Effect.gen(function*() {
      const cache = cacheArgs()
      yield* runCli(...cache, "pause", "--domain", "task", "--key", "a")
      const before = parsed(yield* runCli(...cache, "activity", "--history", "--json"))
      for (const [, args] of cases) yield* runCli(...cache, ...args)
      expect(parsed(yield* runCli(...cache, "activity", "--history", "--json"))).toEqual(before)
    }))
})

describe("CLI: supervisor-info and store errors", () => {
  it.live("supervisor-info --json prints the resolved configuration with absolute paths", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const result = yield* runCli("--cache-dir", dir, "supervisor-info", "--json")
      expect(result.code).toBe(0)
      expect(parsed(result)).toMatchObject({
        profile: "default",
        supervisor_enabled: true,
        paths: { cache_dir: dir, activity_store: path.join(dir, "domain_activity.sqlite") }
      })
      expect((yield* runCli("--cache-dir", dir, "supervisor-info")).stdout).toMatch(/supervisor_enabled\s+true \(decided by profile\)/)
    }))

  it.live("an unknown profile is exit 2", () =>
    Effect.gen(function*() {
      const result = yield* runCli("--profile", "servrless", "supervisor-info")
      expect(result.code).toBe(2)
      expect(result.stderr).toMatch(/unknown profile "servrless"/)
    }))

  it.live("a store that cannot be opened is exit 5", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      fs.writeFileSync(path.join(dir, "domain_activity.sqlite"), "this is not a database, it is a text file of some length ".repeat(100))
      const result = yield* runCli("--cache-dir", dir, "activity")
      expect(result.code).toBe(5)
      expect(result.stderr).toMatch(/^oneiric: .*domain_activity\.sqlite.*not a database/)
      const blocked = path.join(dir, "file")
      fs.writeFileSync(blocked, "")
      const noDir = yield* runCli("--cache-dir", path.join(blocked, "sub"), "pause", "--domain", "task", "--key", "a")
      expect(noDir.code).toBe(5)
    }))
})

describe("CLI: expiry and help", () => {
  // The TestClock: the CLI's clock is the test's, so the expiry passes exactly when the test says, loaded machine or not.
  it.effect("an expired pause lists as accepting and is recorded as expired when next touched", () =>
    Effect.gen(function*() {
      const cache = cacheArgs()
      const until = DateTime.formatIso(DateTime.add(yield* DateTime.now, { millis: 600 }))
      expect((yield* runCli(...cache, "pause", "--domain", "task", "--key", "short", "--until", until)).code).toBe(0)
      yield* TestClock.adjust("599 millis")
      const before = Schema.decodeUnknownSync(ActivityReport)(parsed(yield* runCli(...cache, "activity", "--json")))
      expect(before.domains["task"]?.entries[0]).toMatchObject({ key: "short", state: "paused" })
      yield* TestClock.adjust("1 millis")
      const listed = Schema.decodeUnknownSync(ActivityReport)(parsed(yield* runCli(...cache, "activity", "--json")))
      expect(listed.domains["task"]?.entries[0]).toMatchObject({ key: "short", state: "accepting", paused: true })
      expect(listed.totals.paused).toBe(0)
      const drained = yield* runCli(...cache, "drain", "--domain", "task", "--key", "short", "--json")
      expect(parsed(drained)).toMatchObject({ before: null, expired: { action: "expired", source: "expiry" }, after: { paused: false, draining: true } })
      const history = Schema.decodeUnknownSync(HistoryReport)(parsed(yield* runCli(...cache, "activity", "--history", "--json")))
      expect(history.history.map((t) => t.action)).toEqual(["drain", "expired", "pause"])
    }))

  it.live("--help describes every command, without ANSI escapes on a pipe", () =>
    Effect.gen(function*() {
      const help = yield* runCli("--help")
      expect(help.code).toBe(0)
      for (const command of ["supervisor-info", "activity", "pause", "drain", "resume"]) expect(help.stdout).toContain(command)
      expect(help.stdout).not.toContain("\u001b[")
      const pause = yield* runCli("pause", "--help")
      expect(pause.stdout).toContain("--until")
    }))
})
