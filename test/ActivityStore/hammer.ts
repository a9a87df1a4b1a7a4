/**
 * Writer processes (test/fixtures/hammer.mjs) flipping the same keys at random on one store, and the
 * check that nothing was lost: every transition that changed something has its history row, and the
 * history replayed in feed order gives each recorded row and the final state. Needs the library build
 * (`npm test` runs `npm run build` first).
 */
import * as Effect from "effect/Effect"
import { expect } from "@effect/vitest"
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { ActivityStore } from "../../src/ActivityStore.js"
import type { RequestAction, Transition } from "../../src/Domain/Activity.js"

const HAMMER = fileURLToPath(new URL("../fixtures/hammer.mjs", import.meta.url))

export type Operations = ReadonlyArray<{ key: string; action: RequestAction; changed: boolean }>

/** Starts a writer; `ready` resolves once its store is open, `done` with the operations it made. */
export const hammer = (store: string, actor: string, seed: number, count: number, keys = 5) => {
  const child = spawn(process.execPath, [HAMMER, store, actor, String(seed), String(count), String(keys)], { stdio: ["pipe", "pipe", "pipe"] })
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
  return { ready, done, go: Effect.sync(() => child.stdin.end("go\n")), kill: (signal: NodeJS.Signals) => child.kill(signal) }
}

/** Runs `writers` processes together on `store` and returns each one's operations, by actor. */
export const hammerTogether = (store: string, writers: number, count: number, keys = 5) =>
  Effect.gen(function*() {
    const procs = Array.from({ length: writers }, (_, i) => ({ actor: `proc-${i}`, proc: hammer(store, `proc-${i}`, i + 1, count, keys) }))
    yield* Effect.all(procs.map((p) => p.proc.ready), { concurrency: "unbounded" })
    yield* Effect.all(procs.map((p) => p.proc.go))
    const done = yield* Effect.all(procs.map((p) => p.proc.done), { concurrency: "unbounded" })
    return new Map(procs.map((p, i) => [p.actor, done[i]!] as const))
  })

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

/** Nothing lost, nothing made from a stale read; returns how often the writers' transitions interleaved. */
export const checkNothingLost = (operations: ReadonlyMap<string, Operations>) =>
  Effect.gen(function*() {
    const store = yield* ActivityStore
    const changed = [...operations.values()].reduce((n, ops) => n + ops.filter((op) => op.changed).length, 0)
    const history: ReadonlyArray<Transition> = [...(yield* store.history({ limit: changed + 100 }))].reverse()
    // Every transition that changed something has exactly its history row; none that did not.
    expect(history).toHaveLength(changed)
    for (const [actor, ops] of operations) {
      expect(tally(history.filter((t) => t.actor === actor))).toEqual(tally(ops.filter((op) => op.changed)))
    }
    // Replaying the history in commit order gives each recorded row and the final state: no write
    // was made from a stale read, and a transition that changed nothing really changed nothing.
    const flags = new Map<string, { paused: boolean; draining: boolean }>()
    for (const t of history) {
      const before = flags.get(t.key) ?? { paused: false, draining: false }
      const next = apply(before, t.action)
      expect({ seq: t.seq, paused: t.paused, draining: t.draining }).toEqual({ seq: t.seq, ...next })
      expect(next).not.toEqual(before)
      flags.set(t.key, next)
    }
    const rows = yield* store.list({ domain: "task" })
    const final = Object.fromEntries([...flags].filter(([, f]) => f.paused || f.draining))
    expect(Object.fromEntries(rows.map((r) => [r.key, { paused: r.paused, draining: r.draining }]))).toEqual(final)
    return history.filter((t, i) => i > 0 && t.actor !== history[i - 1]!.actor).length
  })
