/**
 * The fault suite's processes: the worker fixture (the runtime stack on a store, driven over stdin) with
 * its pid exposed so a test can signal it, and the bundled CLI. Needs the build (`npm test` builds first).
 */
import { spawn, spawnSync } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import * as readline from "node:readline"
import { fileURLToPath } from "node:url"
import { BIN } from "../live/worker.js"

export { BIN, eventually } from "../live/worker.js"

const WORKER = fileURLToPath(new URL("../fixtures/worker.mjs", import.meta.url))

/** `ONEIRIC_SOAK=1` (`npm run test:soak`): the long variants. */
export const SOAK = process.env["ONEIRIC_SOAK"] === "1"

export interface Worker {
  readonly child: ChildProcess
  readonly send: (command: Record<string, unknown>) => Promise<Record<string, unknown>>
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>
  readonly stderr: () => string
}

const started: Array<Worker> = []

/** Kills (SIGKILL) every worker still running: call from `afterEach`. */
export const killWorkers = async () => {
  const all = started.splice(0)
  for (const w of all) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill("SIGKILL")
  await Promise.all(all.map((w) => w.exited))
}

/** Starts the worker on `cacheDir` with configuration `env` (ONEIRIC_* variables) and waits until it is ready. */
export const startWorker = async (cacheDir: string, env: Record<string, string> = {}): Promise<Worker> => {
  const child = spawn(process.execPath, [WORKER, cacheDir, JSON.stringify(env)], { stdio: ["pipe", "pipe", "pipe"] })
  const waiting = new Map<number, (body: Record<string, unknown>) => void>()
  let next = 0
  let stderr = ""
  child.stderr!.on("data", (c) => (stderr += c))
  readline.createInterface({ input: child.stdout! }).on("line", (line) => {
    const body = JSON.parse(line) as Record<string, unknown> & { id: number }
    waiting.get(body.id)?.(body)
    waiting.delete(body.id)
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })))
  const worker: Worker = {
    child,
    exited,
    stderr: () => stderr,
    send: (command) =>
      new Promise((resolve, reject) => {
        const id = next++
        waiting.set(id, resolve)
        child.stdin!.write(JSON.stringify({ ...command, id }) + "\n", (error) => (error ? reject(error) : undefined))
      })
  }
  started.push(worker)
  const ready = await worker.send({ op: "ready" })
  if (ready["ready"] !== true) throw new Error(`worker not ready: ${JSON.stringify(ready)}\n${stderr}`)
  return worker
}

export interface CliRun {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** The bundled bin, synchronously, with `env` added to this process's environment. */
export const cli = (args: ReadonlyArray<string>, env: Record<string, string> = {}): CliRun => {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env: { ...process.env, ...env } })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}

/** The bundled bin without blocking the event loop. */
export const cliAsync = (args: ReadonlyArray<string>, env: Record<string, string> = {}): Promise<CliRun> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (c) => (stdout += c))
    child.stderr.on("data", (c) => (stderr += c))
    child.on("close", (code) => resolve({ code, stdout, stderr }))
  })

/** Whether the gate of `worker` admits work under `domain/key` now. */
export const accepts = (worker: Worker, key: string, domain = "task") =>
  worker.send({ op: "try", domain, key }).then((r) => r["accepted"] === true)
