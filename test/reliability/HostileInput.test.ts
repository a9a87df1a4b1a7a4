/**
 * Hostile command-line input against the real bin: control characters, 10,000-character arguments,
 * bidirectional overrides, option-looking keys, SQL-looking text. Each refused input gets exactly one
 * stderr line (control characters escaped), the documented exit code, and writes nothing; SQL-looking
 * free text is not refused (queries are parameterised) and is stored verbatim. NUL cannot travel in an
 * argv, so it is tried in process and in a settings file.
 */
import Database from "better-sqlite3"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { runCli } from "../cliHarness.js"
import { tempDir } from "../helpers.js"
import { cli, cliAsync } from "./processes.js"

const cache = tempDir()
const store = path.join(cache, "domain_activity.sqlite")
const base = ["--cache-dir", cache]

/** The store's contents: every row and every history row (what "nothing written" compares). */
const contents = () => {
  const db = new Database(store, { readonly: true })
  try {
    return {
      rows: db.prepare("SELECT * FROM activity ORDER BY domain, key").all(),
      history: db.prepare("SELECT count(*) AS n FROM activity_history").get()
    }
  } finally {
    db.close()
  }
}

beforeAll(() => {
  expect(cli([...base, "pause", "--domain", "task", "--key", "reports.daily", "--note", "before"]).code).toBe(0)
})

const LONG = "a".repeat(10_000)
const pause = (key: string, ...extra: ReadonlyArray<string>) => ["pause", "--domain", "task", "--key", key, ...extra]

/** [what, argv after the root options, exit code, what the one stderr line says]. */
const REFUSED: ReadonlyArray<readonly [string, ReadonlyArray<string>, number, RegExp]> = [
  ["a key with a newline", pause("a\nb"), 2, /key must not contain control characters/],
  ["a key with a carriage return", pause("a\rb"), 2, /key must not contain control characters/],
  ["a key with a tab", pause("a\tb"), 2, /key/],
  ["a key with a terminal escape", pause("a\u001b[2Jb"), 2, /key must not contain control characters/],
  ["a key with DEL and a C1 control", pause("a\u007f\u0085b"), 2, /key must not contain control characters/],
  ["a 10,000-character key", pause(LONG), 2, /key/],
  ["a key with a right-to-left override", pause("\u202eabc"), 2, /key/],
  ["a key with Arabic letters", pause("تقرير"), 2, /key/],
  ["a key that looks like an option", pause("-x"), 2, /./],
  ["--key -x as two words", ["pause", "--domain", "task", "--key", "-x"], 2, /./],
  ["a key that looks like SQL", pause("a';DROP TABLE activity;--"), 2, /key/],
  ["an empty key", pause(""), 2, /key/],
  ["a note with a newline", pause("k", "--note", "one\ntwo"), 2, /invalid --note: note must not contain control characters \(found U\+000A at character 4\)/],
  ["a note with an escape sequence", pause("k", "--note", "\u001b]0;owned\u0007"), 2, /invalid --note: note must not contain control characters/],
  ["a note with a right-to-left override", pause("k", "--note", "deploy \u202eedoc"), 2, /invalid --note: note must not contain unprintable characters \(found U\+202E/],
  ["a 10,000-character note", pause("k", "--note", LONG), 2, /invalid --note: note is 10000 characters; at most 1024 allowed/],
  ["an actor with a newline", pause("k", "--by", "ops\nroot"), 2, /invalid --by/],
  ["an actor with a right-to-left override", pause("k", "--by", "\u202eops"), 2, /invalid --by/],
  ["a 10,000-character actor", pause("k", "--by", LONG), 2, /invalid --by/],
  ["a domain with a newline", ["pause", "--domain", "task\n", "--key", "k"], 2, /unknown domain "task\\n"/],
  ["a 10,000-character domain", ["pause", "--domain", LONG, "--key", "k"], 2, /unknown domain "a{40}"… \(10000 characters\)/],
  ["a negative --for", pause("k", "--for", "-5s"), 2, /--for/],
  ["an absurd --for", pause("k", "--for", "99999999999999h"), 2, /--for/],
  ["an --until that is not a time", pause("k", "--until", "tomorrow\n; rm -rf /"), 2, /--until/],
  ["--for and --until together", pause("k", "--for", "1m", "--until", "2099-01-01T00:00:00Z"), 2, /./],
  ["an unknown option", ["pause", "--domain", "task", "--kye", "k"], 2, /--kye/],
  ["an unknown command", ["pasue", "--domain", "task", "--key", "k"], 2, /pasue/],
  ["a settings path with a newline", ["--config", "/nonexistent/set\ntings.toml", ...pause("k")], 2, /settings file \/nonexistent\/set\\ntings\.toml \(from --config\) does not exist/],
  ["drain --wait with a bad --timeout", ["drain", "--domain", "task", "--key", "k", "--wait", "--timeout", "\u001b[31m"], 2, /--timeout/],
  ["resume of a 10,000-character key", ["resume", "--domain", "task", "--key", LONG], 2, /key/]
]

describe("hostile CLI input", () => {
  // Asynchronous runs: 60 synchronous ones in a row would block this worker's event loop (and vitest's own RPC) for minutes on a loaded machine.
  it(`${REFUSED.length} refused inputs: one escaped stderr line each, exit 2, nothing written`, async () => {
    const before = contents()
    for (const [what, args, code, says] of REFUSED) {
      const result = await cliAsync([...base, ...args])
      const lines = result.stderr.split("\n").filter((l) => l !== "")
      expect({ what, code: result.code, lines: lines.length }).toEqual({ what, code, lines: 1 })
      expect(lines[0]).toMatch(/^oneiric: /)
      expect([what, lines[0]]).toEqual([what, expect.stringMatching(says)])
      // Escaped: no control character reaches the terminal (bidi overrides are quoted as code points).
      expect([what, /[\u0000-\u001f\u007f-\u009f]/.test(lines[0]!)]).toEqual([what, false])
      expect([what, result.stdout]).toEqual([what, ""])
      // Clear means short too: no line echoes a 10,000-character argument whole.
      expect([what, lines[0]!.length < 400]).toEqual([what, true])
      // --json: the same failure as one JSON document on stdout.
      const json = await cliAsync([...base, ...args, "--json"])
      if (json.code === code && json.stdout !== "") expect(JSON.parse(json.stdout)).toMatchObject({ error: { exit_code: code } })
    }
    expect(contents()).toEqual(before)
  }, 300_000)

  it("SQL-looking free text is not refused: stored verbatim, the table intact", () => {
    const note = "'); DROP TABLE activity; -- \" OR 1=1; /* ünïcödé ✓ */"
    const result = cli([...base, ...pause("sql.note", "--note", note, "--by", "Robert'); DROP TABLE activity;--", "--json")])
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout).after).toMatchObject({ key: "sql.note", note, paused: true, updated_by: "Robert'); DROP TABLE activity;--" })
    const listed = JSON.parse(cli([...base, "activity", "--json"]).stdout)
    expect(listed.domains.task.entries.map((e: { key: string }) => e.key)).toEqual(["reports.daily", "sql.note"])
    expect(cli([...base, "resume", "--domain", "task", "--key", "sql.note"]).code).toBe(0)
  })

  it("NUL: in a key or a note (in process: an argv cannot carry it) and in a settings file: one escaped line, exit 2, nothing written", async () => {
    const before = contents()
    for (const args of [pause("a\u0000b"), pause("k", "--note", "a\u0000b"), ["--config", "/nonexistent/a\u0000b.toml", ...pause("k")]]) {
      const result = await Effect.runPromise(runCli(...base, ...args))
      expect(result.code).toBe(2)
      expect(result.stderr.split("\n")).toHaveLength(1)
      expect(result.stderr).toMatch(/^oneiric: /)
      expect(result.stderr).not.toMatch(/[\u0000-\u001f]/)
    }
    const settings = path.join(tempDir(), "settings.toml")
    fs.writeFileSync(settings, "[runtime]\ncache_dir = \"a\u0000b\"\n")
    const file = cli([...base, "--config", settings, ...pause("k")])
    expect(file.code).toBe(2)
    expect(file.stderr.split("\n").filter((l) => l !== "")).toHaveLength(1)
    expect(file.stderr).toMatch(/^oneiric: malformed TOML in \S+ at line 2/)
    expect(file.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/)
    expect(contents()).toEqual(before)
  })
})
