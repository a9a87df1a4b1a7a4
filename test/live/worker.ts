/** Drives test/fixtures/worker.mjs (a real process with the runtime stack) and the real CLI bin. */
import { spawn, spawnSync } from "node:child_process"
import * as readline from "node:readline"
import { fileURLToPath } from "node:url"

const WORKER = fileURLToPath(new URL("../fixtures/worker.mjs", import.meta.url))
export const BIN = fileURLToPath(new URL("../../dist/bin.cjs", import.meta.url))

export interface Worker {
  readonly send: (command: Record<string, unknown>) => Promise<Record<string, unknown>>
  readonly stop: () => Promise<void>
}

export const startWorker = (cacheDir: string, env: Record<string, string> = {}): Worker => {
  const child = spawn(process.execPath, [WORKER, cacheDir, JSON.stringify(env)], { stdio: ["pipe", "pipe", "inherit"] })
  const waiting = new Map<number, (body: Record<string, unknown>) => void>()
  let next = 0
  readline.createInterface({ input: child.stdout }).on("line", (line) => {
    const body = JSON.parse(line) as Record<string, unknown> & { id: number }
    waiting.get(body.id)?.(body)
    waiting.delete(body.id)
  })
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()))
  return {
    send: (command) =>
      new Promise((resolve) => {
        const id = next++
        waiting.set(id, resolve)
        child.stdin.write(JSON.stringify({ ...command, id }) + "\n")
      }),
    stop: async () => {
      child.stdin.end()
      await exited
    }
  }
}

export interface CliRun {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  readonly ms: number
}

/** Runs the bundled bin synchronously. */
export const oneiric = (cacheDir: string, ...args: ReadonlyArray<string>): CliRun => {
  const start = performance.now()
  const result = spawnSync(process.execPath, [BIN, "--cache-dir", cacheDir, ...args], { encoding: "utf8" })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, ms: performance.now() - start }
}

/** Runs the bundled bin without blocking the test's event loop. */
export const oneiricAsync = (cacheDir: string, ...args: ReadonlyArray<string>): Promise<CliRun> =>
  new Promise((resolve) => {
    const start = performance.now()
    const child = spawn(process.execPath, [BIN, "--cache-dir", cacheDir, ...args])
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (c) => (stdout += c))
    child.stderr.on("data", (c) => (stderr += c))
    child.on("close", (code) => resolve({ code, stdout, stderr, ms: performance.now() - start }))
  })

/** Polls `check` until it returns true or `timeoutMs` passes; returns how long it took. */
export const eventually = async (check: () => Promise<boolean>, timeoutMs: number): Promise<number> => {
  const start = performance.now()
  while (performance.now() - start < timeoutMs) {
    if (await check()) return performance.now() - start
    await new Promise((r) => setTimeout(r, 5))
  }
  throw new Error(`not within ${timeoutMs} ms`)
}
