#!/usr/bin/env node
// `npm run build` (and `prepare`, so `npm ci` builds too): starts from an empty dist/, then runs, at
// the same time,
//   - tsup (tsup.config.ts): the CLI bundle dist/oneiric.cjs + loader + code cache
//     (scripts/build-cli.mjs), and the library's ES modules, one per package.json "exports" subpath;
//   - tsc -p tsconfig.build.json: the library's declarations (dist/**/*.d.ts) and declaration maps.
// Each tool's output is prefixed with its name; the build fails if either fails.
import { spawn } from "node:child_process"
import fs from "node:fs"
import path from "node:path"
import { fileURLToPath } from "node:url"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const bin = (name) => path.join(root, "node_modules", ".bin", name)

// Nothing of an older build may linger: a stale chunk or declaration would be packed.
fs.rmSync(path.join(root, "dist"), { recursive: true, force: true })

const started = Date.now()
const run = (label, command, args) =>
  new Promise((resolve) => {
    const t0 = Date.now()
    const child = spawn(command, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] })
    const prefix = (stream, target) => {
      let rest = ""
      stream.setEncoding("utf8")
      stream.on("data", (chunk) => {
        const lines = (rest + chunk).split("\n")
        rest = lines.pop() ?? ""
        for (const line of lines) target.write(`[${label}] ${line}\n`)
      })
      stream.on("end", () => rest && target.write(`[${label}] ${rest}\n`))
    }
    prefix(child.stdout, process.stdout)
    prefix(child.stderr, process.stderr)
    child.on("error", (error) => {
      process.stderr.write(`[${label}] ${error.message}\n`)
      resolve({ label, ok: false, ms: Date.now() - t0 })
    })
    child.on("close", (code, signal) => {
      if (code !== 0) process.stderr.write(`[${label}] failed (${code ?? signal})\n`)
      resolve({ label, ok: code === 0, ms: Date.now() - t0 })
    })
  })

const results = await Promise.all([
  run("tsup", bin("tsup"), []),
  run("tsc", bin("tsc"), ["-p", "tsconfig.build.json"])
])
const summary = results.map((r) => `${r.label} ${(r.ms / 1000).toFixed(1)} s${r.ok ? "" : " FAILED"}`).join(", ")
process.stdout.write(`build: ${summary}; ${((Date.now() - started) / 1000).toFixed(1)} s in all\n`)
if (results.some((r) => !r.ok)) process.exit(1)
