/**
 * Two real processes flip the same keys at random: no transition is lost. Needs the library build
 * (`npm test` runs `npm run build` first).
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { ActivityStore } from "../../src/ActivityStore.js"
import type { RequestAction, Transition } from "../../src/Domain/Activity.js"
import { tempDir } from "../helpers.js"

const HAMMER = fileURLToPath(new URL("../fixtures/hammer.mjs", import.meta.url))
const PER_PROCESS = 500

type Operations = ReadonlyArray<{ key: string; action: RequestAction }>

/** Starts a hammer process; `ready` resolves once its store is open, `done` with the operations it made. */
const hammer = (filename: string, actor: string, seed: number) => {
  const child = spawn(process.execPath, [HAMMER, filename, actor, String(seed), String(PER_PROCESS)], { stdio: ["pipe", "pipe", "pipe"] })
  let out = ""
  let err = ""
  const ready = Effect.async<void, Error>((resume) => {
    child.stdout.on("data", (chunk) => {
      out += chunk
      if (out.startsWith("ready\n")) resume(Effect.void)
    })
    child.on("close", () => resume(Effect.fail(new Error(`${actor} ended before it was ready: ${err}`))))
  })
  child.stderr.on("data", (chunk) => (err += chunk))
  const done = Effect.async<Operations, Error>((resume) => {
    child.on("close", (code) =>
      resume(code === 0 ? Effect.succeed(JSON.parse(out.slice("ready\n".length))) : Effect.fail(new Error(`${actor} exited ${code}: ${err}`))))
  })
  return { ready, done, go: Effect.sync(() => child.stdin.end("go\n")) }
}

/** The flags an action leaves, from the flags before it (the store's documented semantics). */
const apply = (flags: { paused: boolean; draining: boolean }, action: string) => {
  switch (action) {
    case "pause":
      return { ...flags, paused: true }
    case "drain":
      return { ...flags, draining: true }
    case "clear-pause":
      return { ...flags, paused: false }
    case "clear-drain":
      return { ...flags, draining: false }
    default:
      return { paused: false, draining: false }
  }
}

const tally = (ops: ReadonlyArray<{ key: string; action: string }>) => {
  const counts = new Map<string, number>()
  for (const op of ops) counts.set(`${op.key}:${op.action}`, (counts.get(`${op.key}:${op.action}`) ?? 0) + 1)
  return Object.fromEntries([...counts].sort())
}

describe("two processes on one SQLite store", () => {
  it.live(`${PER_PROCESS} random transitions each lose nothing`, () =>
    Effect.gen(function*() {
      expect(fs.existsSync(fileURLToPath(new URL("../../dist/index.js", import.meta.url)))).toBe(true)
      // A fresh file: both processes also race to create the schema.
      const filename = path.join(tempDir(), "domain_activity.sqlite")
      const procA = hammer(filename, "proc-a", 1)
      const procB = hammer(filename, "proc-b", 2)
      yield* Effect.all([procA.ready, procB.ready], { concurrency: 2 })
      yield* Effect.all([procA.go, procB.go])
      const [a, b] = yield* Effect.all([procA.done, procB.done], { concurrency: 2 })

      const check = Effect.gen(function*() {
        const store = yield* ActivityStore
        const history: ReadonlyArray<Transition> = [...(yield* store.history({ limit: 10_000 }))].reverse()
        expect(history).toHaveLength(a.length + b.length)
        // About half the random transitions change something (the rest, e.g. resuming a default row, write nothing).
        expect(a.length + b.length).toBeGreaterThan(PER_PROCESS / 2)
        expect(tally(history.filter((t) => t.actor === "proc-a"))).toEqual(tally(a))
        expect(tally(history.filter((t) => t.actor === "proc-b"))).toEqual(tally(b))
        // Both processes really interleaved.
        const switches = history.filter((t, i) => i > 0 && t.actor !== history[i - 1]!.actor).length
        expect(switches).toBeGreaterThan(10)

        // Replaying the history in commit order gives each recorded row and the final state: no
        // write was made from a stale read.
        const flags = new Map<string, { paused: boolean; draining: boolean }>()
        for (const t of history) {
          const next = apply(flags.get(t.key) ?? { paused: false, draining: false }, t.action)
          expect({ seq: t.seq, paused: t.paused, draining: t.draining }).toEqual({ seq: t.seq, ...next })
          flags.set(t.key, next)
        }
        const rows = yield* store.list({ domain: "task" })
        const final = Object.fromEntries([...flags].filter(([, f]) => f.paused || f.draining))
        expect(Object.fromEntries(rows.map((r) => [r.key, { paused: r.paused, draining: r.draining }]))).toEqual(final)
      })
      yield* Effect.provide(check, ActivityStore.layerSqlite({ filename }))
    }), 120_000)
})
