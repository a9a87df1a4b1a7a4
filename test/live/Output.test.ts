/**
 * A listing large enough to go out in many pieces, printed by the real bin through a real pipe: the bytes
 * written straight to stdout (`StdoutBytes`) are the report the in-process CLI prints, and a reader that
 * goes away early (`| head`) is no error. Needs the build (`npm test` builds first).
 */
import { it } from "@effect/vitest"
import Database from "better-sqlite3"
import * as Effect from "effect/Effect"
import { spawn } from "node:child_process"
import * as path from "node:path"
import { describe, expect } from "vitest"
import { runCli } from "../cliHarness.js"
import { tempDir } from "../helpers.js"
import { BIN, oneiric } from "./worker.js"

const KEYS = 20_000

/** A store of `KEYS` paused keys (a few with notes and another actor, so not every line repeats the last). */
const bigStore = () => {
  const cache = tempDir()
  expect(oneiric(cache, "pause", "--domain", "task", "--key", "first", "--note", "made by the CLI ✓").code).toBe(0)
  const db = new Database(path.join(cache, "domain_activity.sqlite"))
  const insert = db.prepare(
    "INSERT INTO activity (domain, key, paused, draining, note, updated_at, updated_by, source, expires_at) VALUES ('task', ?, 1, 0, ?, 1764547200000, ?, 'cli', NULL)"
  )
  db.transaction(() => {
    for (let i = 0; i < KEYS; i++) insert.run(`k${String(i).padStart(6, "0")}`, i % 997 === 0 ? `note ${i}` : null, i % 13 === 0 ? "bob" : "alice")
  })()
  db.close()
  return cache
}

/** The bin's stdout through a pipe; with `stopAfter`, the reader closes its end after that many bytes. */
const piped = (cache: string, args: ReadonlyArray<string>, stopAfter?: number) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, "--cache-dir", cache, ...args], { stdio: ["ignore", "pipe", "pipe"] })
    const out: Array<Buffer> = []
    let read = 0
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => {
      out.push(chunk)
      read += chunk.length
      if (stopAfter !== undefined && read >= stopAfter) child.stdout.destroy()
    })
    child.stderr.on("data", (chunk: Buffer) => void (stderr += chunk.toString()))
    child.on("close", (code) => resolve({ code, stdout: Buffer.concat(out).toString("utf8"), stderr }))
  })

describe("a large listing through a pipe", () => {
  it.live("activity --json and activity print, through the pipe, exactly what the in-process CLI prints", () =>
    Effect.gen(function*() {
      const cache = bigStore()
      for (const args of [["activity", "--json"], ["activity"]]) {
        const real = yield* Effect.promise(() => piped(cache, args))
        expect(real).toMatchObject({ code: 0, stderr: "" })
        const inProcess = yield* runCli("--cache-dir", cache, ...args)
        expect(inProcess.code).toBe(0)
        expect(real.stdout).toBe(`${inProcess.stdout}\n`)
      }
      const report = JSON.parse((yield* Effect.promise(() => piped(cache, ["activity", "--json"]))).stdout)
      expect(report.domains.task.entries).toHaveLength(KEYS + 1)
      expect(report.domains.task.entries[0]).toMatchObject({ key: "first", note: "made by the CLI ✓" })
    }), 60_000)

  it.live("a reader that goes away after the first bytes (`| head`): exit 0, nothing on stderr", () =>
    Effect.gen(function*() {
      const cache = bigStore()
      for (const args of [["activity", "--json"], ["activity"]]) {
        const cut = yield* Effect.promise(() => piped(cache, args, 100))
        expect(cut).toMatchObject({ code: 0, stderr: "" })
      }
    }), 60_000)
})
