/** `oneiric run` as a real process (the bundled bin) on a free port, for the live and browser tests. */
import { spawn } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import { BIN, eventually } from "./worker.js"

export interface Running {
  readonly child: ChildProcess
  /** `http://host:port` as it logged it. */
  readonly base: string
  readonly exited: Promise<number | null>
  readonly log: () => string
}

const running: Array<Running> = []

/** Kills every process `startRun` started (call from `afterEach`/`afterAll`). */
export const killRuns = () => {
  for (const r of running.splice(0)) r.child.kill("SIGKILL")
}

/** Starts `oneiric run` on a free port and waits until it listens. */
export const startRun = async (cache: string, args: ReadonlyArray<string> = [], env: Record<string, string> = {}): Promise<Running> => {
  const child = spawn(process.execPath, [BIN, "--cache-dir", cache, "run", "--port", "0", ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let log = ""
  child.stderr!.on("data", (c) => (log += c))
  child.stdout!.on("data", (c) => (log += c))
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
  let base = ""
  const r = { child, get base() { return base }, exited, log: () => log }
  running.push(r)
  await eventually(async () => {
    const match = /Listening on (http:\/\/[^"\s]+)/.exec(log)
    if (match) base = match[1]!
    return base !== ""
  }, 15_000)
  return r
}
