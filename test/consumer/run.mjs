#!/usr/bin/env node
// The consumer test (`npm run test:consumer`; CI runs it): the package as an app gets it.
//
//   1. Builds dist/ if it is older than its sources, then `npm pack`s the package and checks what the
//      tarball holds: the exports, the bin, declarations with the sources their maps point at, no
//      tests, benchmarks, scripts or scratch files, and library modules that import nothing but their
//      dependencies, peer dependencies and Node built-ins.
//   2. Takes the examples from README.md and docs/embedding.md: every ```ts block there is preceded by
//      `<!-- consumer-test: NAME [run|vitest] -->`. All are compiled; `run` blocks are run with node and
//      checked against SCENARIOS below; `vitest` blocks are the app's own tests, run with vitest.
//   3. For each `effect` line it is asked for, installs the tarball into a fresh project under
//      os.tmpdir() that pins its own `effect` and @effect/* peers: by default the lowest set the
//      package's peerDependencies allow (the lower bound of each range's first alternative) and the
//      set the project itself builds with (its devDependencies); `--all` adds the lower bound of every
//      alternative. In each: `npm ls` (one `effect`, one `better-sqlite3`, no missing or invalid
//      peer), `tsc` (strict, NodeNext, skipLibCheck), the declarations again without skipLibCheck,
//      every subpath import (types and run time; a subpath and the root give the same objects), the
//      examples, the app's tests, and `npx oneiric` (the bundled CLI needs no peer). No output may
//      contain effect's "Executing an Effect versioned …" warning.
//
// Options: --all (every supported effect line), --keep (keep the temporary projects), --build-native
// (let npm build better-sqlite3 in each project instead of reusing this checkout's build of the same
// version: slower, about 2 min per project).
import { spawn } from "node:child_process"
import fs from "node:fs"
import { builtinModules } from "node:module"
import os from "node:os"
import path from "node:path"
import { fileURLToPath } from "node:url"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..")
const argv = new Set(process.argv.slice(2))
for (const a of argv) if (!["--all", "--keep", "--build-native"].includes(a)) die(`unknown option ${a}`)
const pkg = readJson(path.join(root, "package.json"))
const started = Date.now()

/** The `@effect/vitest` release that goes with each effect minor (its peer range names one minor). */
const EFFECT_VITEST = { "3.19": "0.27.0", "3.21": "0.29.0", "3.22": "0.30.0" }
const VERSION_WARNING = "Executing an Effect versioned"

/** What each `run` example must print (its Effect.log messages) and must not. */
const SCENARIOS = {
  async readme(p) {
    p.expectMessages("readme, accepting", await p.node("readme"), ["building the report"])
    await p.cli(["pause", "--domain", "task", "--key", "reports.*", "--note", "consumer test"])
    p.expectMessages("readme, after `oneiric pause`", await p.node("readme"), [
      "skipped: task/reports.daily refused: paused by rule task/reports.* (consumer test)"
    ])
    await p.cli(["resume", "--domain", "task", "--key", "reports.*"])
  },
  async orchestrator(p) {
    p.expectMessages("orchestrator", await p.node("orchestrator"), ["ready=true components=smtp"])
    const snapshot = readJson(path.join(p.dir, ".oneiric_cache", "runtime_health.json"))
    p.check("orchestrator: the final runtime_health.json was written at stop (orchestrator_pid null, not ready)", snapshot.orchestrator_pid === null && snapshot.ready === false)
  },
  async gate(p) {
    p.expectMessages("gate", await p.node("gate"), [
      "built daily",
      "refused daily: state=paused rule=reports.*",
      "in flight while running: 1, after: 0"
    ])
  },
  async events(p) {
    p.expectMessages("events", await p.node("events"), ["email for A-1", "dispatch: {\"delivered\":1,\"failed\":0,\"rejected\":1}"], ["invoice for A-1"])
  },
  async changes(p) {
    p.expectMessages("changes", await p.node("changes"), ["workflow/orders: draining (local)", "workflow/orders: accepting (local)"])
  },
  async "own-store"(p) {
    p.expectMessages("own-store", await p.node("own-store"), [
      "audit: pause task/reports.* by ops@example (seq 1)",
      "refused: task/reports.daily refused: paused by rule task/reports.*"
    ], ["ran"])
  },
  async "own-config"(p) {
    p.expectMessages("own-config", await p.node("own-config"), ["poll 1000 ms (decided by env); supervisor running"])
    p.check("own-config: the store is where the app's configuration put it", fs.existsSync(path.join(p.dir, "app-state", "domain_activity.sqlite")))
  }
}

// ---------------------------------------------------------------------------------------------
const checks = []
const failures = []
let outputsScanned = 0

function die(message) {
  process.stderr.write(`consumer: ${message}\n`)
  process.exit(1)
}
function readJson(file) {
  return JSON.parse(fs.readFileSync(file, "utf8"))
}
const say = (line) => process.stdout.write(`consumer: ${line}\n`)
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`
function check(label, ok, detail = "") {
  checks.push({ label, ok })
  if (ok) say(`  ok    ${label}`)
  else {
    failures.push(label)
    say(`  FAIL  ${label}${detail ? `\n${detail.replace(/^/gm, "          ")}` : ""}`)
  }
  return ok
}

/** The environment of every child: no ONEIRIC_* settings of the caller, no npm script context. */
const childEnv = Object.fromEntries(
  Object.entries(process.env).filter(([name]) =>
    !name.startsWith("ONEIRIC_") && name !== "NODE_OPTIONS" && name !== "INIT_CWD" &&
    !(name.startsWith("npm_") && !["npm_config_cache", "npm_config_registry", "npm_config_userconfig"].includes(name))
  )
)

function exec(command, args, { cwd, timeoutMs = 300_000, allowFailure = false, scan = true } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env: childEnv, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d))
    child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d))
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs)
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      const result = { code, signal, stdout, stderr, all: stdout + stderr }
      if (scan) {
        outputsScanned++
        if (result.all.includes(VERSION_WARNING)) {
          check(`no "${VERSION_WARNING}" warning in \`${[path.basename(command), ...args].join(" ")}\``, false, result.all.slice(0, 2000))
        }
      }
      if (code !== 0 && !allowFailure) {
        check(`\`${[path.basename(command), ...args].join(" ")}\` exits 0 (in ${cwd})`, false, `exit ${code ?? signal}\n${result.all.slice(-3000)}`)
      }
      resolve(result)
    })
  })
}

/** Effect.log lines carry `message=…` (quoted like JSON when it has spaces); return the messages. */
function messagesOf(output) {
  const messages = []
  for (const line of output.split("\n")) {
    const m = /\bmessage=("(?:[^"\\]|\\.)*"|\S+)/.exec(line)
    if (m) messages.push(m[1].startsWith("\"") ? JSON.parse(m[1]) : m[1])
  }
  return messages
}

// ---------------------------------------------------------------------------------------------
// 1. Build (when stale), pack, check the tarball.
function newestMtime(target) {
  if (!fs.existsSync(target)) return 0
  const stat = fs.statSync(target)
  if (!stat.isDirectory()) return stat.mtimeMs
  return Math.max(0, ...fs.readdirSync(target).map((name) => newestMtime(path.join(target, name))))
}
const inputs = ["src", "package.json", "tsup.config.ts", "tsconfig.json", "tsconfig.build.json", "scripts"].map((f) => path.join(root, f))
const outputs = ["dist/index.js", "dist/index.d.ts", "dist/oneiric.cjs", "dist/bin.cjs"].map((f) => path.join(root, f))
const builtAt = Math.min(...outputs.map((f) => (fs.existsSync(f) ? fs.statSync(f).mtimeMs : 0)))
if (builtAt === 0 || Math.max(...inputs.map(newestMtime)) > builtAt) {
  say("dist/ is missing or older than its sources: npm run build")
  const build = await exec("npm", ["run", "build"], { cwd: root, scan: false })
  if (build.code !== 0) die("the build failed")
} else {
  say(`dist/ is up to date (built ${new Date(builtAt).toISOString()})`)
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), "oneiric-consumer-"))
process.on("exit", () => {
  if (!argv.has("--keep")) fs.rmSync(work, { recursive: true, force: true })
})
say(`working in ${work}${argv.has("--keep") ? " (kept)" : ""}`)

const packed = await exec("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], { cwd: root, scan: false })
if (packed.code !== 0) die("npm pack failed")
const pack = JSON.parse(packed.stdout)[0]
const tarball = path.join(work, pack.filename)
const shipped = new Set(pack.files.map((f) => f.path))
say(`packed ${pack.filename}: ${pack.entryCount} files, ${(pack.size / 1024).toFixed(0)} KB (${(pack.unpackedSize / 1024).toFixed(0)} KB unpacked)`)

say("tarball contents")
{
  const allowed = (p) => ["package.json", "README.md", "docs/embedding.md"].includes(p) || /^LICENSE/i.test(p) || p.startsWith("dist/") || p.startsWith("src/")
  const unexpected = [...shipped].filter((p) => !allowed(p) || /\.test\.|\.tgz$|(^|\/)(test|bench|scratchpad|scripts|fixtures)\//.test(p))
  check("only package.json, README.md, docs/embedding.md, dist/ and src/ (no tests, benchmark, scripts or scratch files)", unexpected.length === 0, unexpected.join("\n"))
  const targets = []
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    for (const file of typeof target === "string" ? [target] : Object.values(target)) targets.push([subpath, file.replace(/^\.\//, "")])
  }
  const missing = targets.filter(([, file]) => !shipped.has(file)).map(([subpath, file]) => `${subpath}: ${file}`)
  check(`every "exports" target is in the tarball (${targets.length} files, ${Object.keys(pkg.exports).length} subpaths)`, missing.length === 0, missing.join("\n"))
  const bins = Object.values(pkg.bin)
  check(`the bin (${bins.join(", ")}) and the bundle it loads are in the tarball`, [...bins, "dist/oneiric.cjs"].every((f) => shipped.has(f)))
  // Declaration maps point at the sources; a shipped source has its declarations.
  const maps = [...shipped].filter((p) => p.endsWith(".d.ts.map"))
  const unmapped = []
  for (const map of maps) {
    for (const source of readJson(path.join(root, map)).sources) {
      const rel = path.posix.normalize(path.posix.join(path.posix.dirname(map), source))
      if (!shipped.has(rel)) unmapped.push(`${map} -> ${rel}`)
    }
  }
  check(`every source a declaration map names is shipped (${maps.length} maps)`, maps.length > 0 && unmapped.length === 0, unmapped.join("\n"))
  const sources = [...shipped].filter((p) => p.startsWith("src/") && p.endsWith(".ts"))
  const undeclared = sources.filter((p) => !shipped.has(p.replace(/^src\//, "dist/").replace(/\.ts$/, ".d.ts")))
  check(`every shipped source has its declarations (${sources.length} sources)`, undeclared.length === 0, undeclared.join("\n"))
  // The library's modules import only what an app has: dependencies, peer dependencies, built-ins.
  const known = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})])
  const builtins = new Set(builtinModules)
  const libraryJs = [...shipped].filter((p) => /^dist\/(chunks\/)?[^/]+\.js$/.test(p) && p !== "dist/bin.js")
  const strays = []
  for (const file of libraryJs) {
    const code = fs.readFileSync(path.join(root, file), "utf8")
    for (const m of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm)) {
      const spec = m[1]
      if (spec.startsWith(".") || spec.startsWith("node:") || builtins.has(spec)) continue
      const name = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]
      if (!known.has(name)) strays.push(`${file}: ${spec}`)
    }
  }
  check(`the library's ${libraryJs.length} modules import only dependencies, peer dependencies and built-ins`, libraryJs.length > 0 && strays.length === 0, strays.join("\n"))
}

// ---------------------------------------------------------------------------------------------
// 2. The examples.
const examples = []
for (const doc of ["README.md", "docs/embedding.md"]) {
  const lines = fs.readFileSync(path.join(root, doc), "utf8").split("\n")
  let pending = null
  for (let i = 0; i < lines.length; i++) {
    const marker = /^<!--\s*consumer-test:\s*([a-z][a-z0-9-]*)(?:\s+(run|vitest))?\s*-->$/.exec(lines[i].trim())
    if (marker) {
      pending = { name: marker[1], mode: marker[2] ?? "compile", at: `${doc}:${i + 1}` }
      continue
    }
    if (/^```(ts|typescript)\s*$/.test(lines[i])) {
      let end = i + 1
      while (end < lines.length && !/^```\s*$/.test(lines[end])) end++
      if (pending === null) check(`${doc}:${i + 1}: a ts block has its consumer-test marker`, false)
      else examples.push({ ...pending, code: lines.slice(i + 1, end).join("\n") + "\n" })
      pending = null
      i = end
      continue
    }
    if (pending !== null && lines[i].trim() !== "") {
      check(`${pending.at}: the marker is followed by a ts block`, false)
      pending = null
    }
  }
}
{
  const names = examples.map((e) => e.name)
  const runs = examples.filter((e) => e.mode === "run").map((e) => e.name)
  check(`${examples.length} examples found (${examples.map((e) => `${e.name}${e.mode === "compile" ? "" : ` [${e.mode}]`}`).join(", ")}), names unique`, examples.length > 0 && new Set(names).size === names.length)
  check("the README's embedding example is one of them", names.includes("readme"))
  const noScenario = runs.filter((n) => !(n in SCENARIOS))
  const noExample = Object.keys(SCENARIOS).filter((n) => !runs.includes(n))
  check("every `run` example has a scenario and every scenario an example", noScenario.length + noExample.length === 0,
    [...noScenario.map((n) => `no scenario: ${n}`), ...noExample.map((n) => `no run example: ${n}`)].join("\n"))
}

// ---------------------------------------------------------------------------------------------
// 3. The projects.
const PEERS = Object.keys(pkg.peerDependencies)
const alternatives = (range) => range.split("||").map((a) => a.trim())
const lowerBound = (alternative) => /^(?:\^|~|>=)?\s*(\d+\.\d+\.\d+)/.exec(alternative)?.[1] ?? die(`cannot read a lower bound from "${alternative}"`)
const lines = alternatives(pkg.peerDependencies.effect).length
// effect and @effect/* move together, one alternative per effect line; any other peer (pg) has one range.
const onEffectLine = (peer) => peer === "effect" || peer.startsWith("@effect/")
for (const peer of PEERS) {
  const expected = onEffectLine(peer) ? lines : 1
  if (alternatives(pkg.peerDependencies[peer]).length !== expected) die(`peerDependencies: "${peer}" must have ${expected === 1 ? "one range" : `one alternative per effect line (${lines})`}`)
}
const setAt = (i) => Object.fromEntries(PEERS.map((peer) => [peer, lowerBound(alternatives(pkg.peerDependencies[peer])[onEffectLine(peer) ? i : 0])]))
const sets = [{ label: "lowest", versions: setAt(0) }]
if (argv.has("--all")) for (let i = 1; i < lines; i++) sets.push({ label: `effect ${lowerBound(alternatives(pkg.peerDependencies.effect)[i])} line`, versions: setAt(i) })
sets.push({ label: "newest (the project's own pins)", versions: Object.fromEntries(PEERS.map((peer) => [peer, pkg.devDependencies[peer]])) })

const nativeSource = path.join(root, "node_modules", "better-sqlite3")
const nativeVersion = readJson(path.join(nativeSource, "package.json")).version

const subpathModule = () => {
  const entries = Object.keys(pkg.exports).filter((s) => s !== "./package.json")
  const id = (s) => (s === "." ? "Root" : `M_${s.slice(2)}`)
  return [
    "import { createRequire } from \"node:module\"",
    ...entries.map((s) => `import * as ${id(s)} from "${s === "." ? pkg.name : `${pkg.name}/${s.slice(2)}`}"`),
    "",
    "const modules: Record<string, Record<string, unknown>> = {",
    ...entries.map((s) => `  ${JSON.stringify(s)}: ${id(s)},`),
    "}",
    "const problems: Array<string> = []",
    "for (const [subpath, module] of Object.entries(modules)) {",
    "  const names = Object.keys(module)",
    "  if (names.length === 0) problems.push(`${subpath} exports nothing`)",
    "  for (const name of names) {",
    "    if (subpath !== \".\" && name in Root && (Root as Record<string, unknown>)[name] !== module[name]) problems.push(`${subpath}.${name} is not the root's ${name}`)",
    "  }",
    "}",
    `const version = (createRequire(import.meta.url)("${pkg.name}/package.json") as { version: string }).version`,
    `if (version !== ${JSON.stringify(pkg.version)}) problems.push(\`package.json version \${version}\`)`,
    `const deep = await import(${JSON.stringify(`${pkg.name}/dist/index.js`)} as string).then(() => "importable", (e: { code?: string }) => e.code)`,
    "if (deep !== \"ERR_PACKAGE_PATH_NOT_EXPORTED\") problems.push(`a deep import is ${deep}`)",
    "console.log(JSON.stringify({ subpaths: Object.keys(modules).length, exports: Object.values(modules).reduce((n, m) => n + Object.keys(m).length, 0), problems }))",
    ""
  ].join("\n")
}

const tsconfig = (skipLibCheck, include) => ({
  compilerOptions: {
    target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", lib: ["ES2022"], types: ["node"],
    strict: true, skipLibCheck, outDir: "build", rootDir: ".", noEmitOnError: true
  },
  include
})

for (const set of sets) {
  const t0 = Date.now()
  const effect = set.versions.effect
  const minor = effect.split(".").slice(0, 2).join(".")
  const vitestPlugin = EFFECT_VITEST[minor] ?? die(`no @effect/vitest release known for effect ${minor}: add it to EFFECT_VITEST`)
  say(`── effect ${effect} (${set.label}): ${PEERS.filter((p) => p !== "effect").map((p) => `${p}@${set.versions[p]}`).join(" ")}, @effect/vitest@${vitestPlugin}`)
  const dir = path.join(work, `app-effect-${effect}`)
  fs.mkdirSync(path.join(dir, "src"), { recursive: true })
  fs.mkdirSync(path.join(dir, "test"), { recursive: true })
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({
    name: "consumer-app", private: true, type: "module",
    dependencies: { [pkg.name]: `file:${tarball}`, ...set.versions },
    devDependencies: {
      typescript: pkg.devDependencies.typescript, "@types/node": pkg.devDependencies["@types/node"],
      vitest: pkg.devDependencies.vitest, "@effect/vitest": vitestPlugin
    }
  }, null, 2))

  const native = argv.has("--build-native")
  const installed = await exec("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", ...(native ? [] : ["--ignore-scripts"])], { cwd: dir, timeoutMs: 600_000 })
  if (!check(`npm install (peers pinned exactly; npm refuses peers outside the ranges) in ${seconds(Date.now() - t0)}`, installed.code === 0)) continue
  if (!native) {
    const target = path.join(dir, "node_modules", "better-sqlite3")
    const version = readJson(path.join(target, "package.json")).version
    if (version === nativeVersion) {
      fs.mkdirSync(path.join(target, "build", "Release"), { recursive: true })
      fs.copyFileSync(path.join(nativeSource, "build", "Release", "better_sqlite3.node"), path.join(target, "build", "Release", "better_sqlite3.node"))
      say(`  native addon: reused this checkout's build of better-sqlite3 ${version} (same version, same Node)`)
    } else {
      say(`  native addon: building better-sqlite3 ${version} (this checkout has ${nativeVersion})`)
      await exec("npm", ["rebuild", "better-sqlite3"], { cwd: dir, timeoutMs: 600_000 })
    }
  }

  // npm ls: exit 0 means no missing, invalid or extraneous package (peers included).
  const ls = await exec("npm", ["ls", "effect", "better-sqlite3", "--all", "--long", "--json"], { cwd: dir, allowFailure: true })
  const tree = JSON.parse(ls.stdout || "{}")
  const copies = { effect: new Map(), "better-sqlite3": new Map() }
  const walk = (node) => {
    for (const [name, child] of Object.entries(node.dependencies ?? {})) {
      if (name in copies && child.path) copies[name].set(child.path, child.version)
      walk(child)
    }
  }
  walk(tree)
  check("npm ls: no missing, invalid or extraneous package", ls.code === 0 && !tree.problems, (tree.problems ?? []).join("\n"))
  const effects = [...copies.effect]
  check(`npm ls effect: one copy, ${effect}, the app's own (${effects.map(([p, v]) => `${path.relative(dir, p)}@${v}`).join(", ")})`,
    effects.length === 1 && effects[0][0] === path.join(dir, "node_modules", "effect") && effects[0][1] === effect)
  const sqlites = [...copies["better-sqlite3"]]
  check(`npm ls better-sqlite3: one copy for the library and @effect/sql-sqlite-node (${sqlites.map(([p, v]) => `${path.relative(dir, p)}@${v}`).join(", ")})`, sqlites.length === 1)
  check("the CLI's own dependencies (@effect/cli, @effect/platform-node) are not installed", !fs.existsSync(path.join(dir, "node_modules", "@effect", "cli")) && !fs.existsSync(path.join(dir, "node_modules", "@effect", "platform-node")))

  for (const example of examples) {
    const file = example.mode === "vitest" ? path.join(dir, "test", `${example.name}.test.ts`) : path.join(dir, "src", `${example.name}.ts`)
    fs.writeFileSync(file, example.code)
  }
  fs.writeFileSync(path.join(dir, "src", "subpaths.ts"), subpathModule())
  fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify(tsconfig(true, ["src", "test"]), null, 2))
  fs.writeFileSync(path.join(dir, "tsconfig.declarations.json"), JSON.stringify({ ...tsconfig(false, ["src/subpaths.ts"]), compilerOptions: { ...tsconfig(false, []).compilerOptions, noEmit: true } }, null, 2))
  const tsc = path.join(dir, "node_modules", ".bin", "tsc")

  // The two compilations at once: each is one CPU's work for 10-20 s.
  let t = Date.now()
  const [compiled, declarations] = await Promise.all([
    exec(tsc, ["-p", "tsconfig.json", "--pretty", "false"], { cwd: dir, allowFailure: true }),
    exec(tsc, ["-p", "tsconfig.declarations.json", "--pretty", "false"], { cwd: dir, allowFailure: true })
  ])
  check(`tsc (strict, NodeNext, skipLibCheck): ${examples.length} examples + every subpath, emitted to build/ (both compilations: ${seconds(Date.now() - t)})`, compiled.code === 0, compiled.all.slice(0, 4000))
  const ours = declarations.all.split("\n").filter((l) => /error TS/.test(l) && (l.includes(`node_modules/${pkg.name}/`) || !l.includes("node_modules/")))
  check(`the package's declarations type-check against effect ${effect} without skipLibCheck`, ours.length === 0, ours.slice(0, 30).join("\n"))
  if (declarations.code !== 0 && ours.length === 0) say(`  note: errors in other packages' declarations only (${declarations.all.split("\n").filter((l) => /error TS/.test(l)).length})`)
  if (compiled.code !== 0) continue

  const subpaths = await exec("node", ["build/src/subpaths.js"], { cwd: dir })
  const report = subpaths.code === 0 ? JSON.parse(subpaths.stdout.trim().split("\n").pop()) : { problems: ["did not run"] }
  check(`every subpath imports at run time (${report.subpaths} subpaths, ${report.exports} exports), shares the root's objects, and deep imports are refused`, report.problems.length === 0, report.problems.join("\n"))

  const project = {
    dir,
    check,
    node: async (name) => (await exec("node", [`build/src/${name}.js`], { cwd: dir, timeoutMs: 60_000 })).all,
    cli: async (args) => (await exec("npx", ["--no-install", "oneiric", ...args], { cwd: dir, timeoutMs: 60_000 })).all,
    expectMessages(label, output, wanted, unwanted = []) {
      const messages = messagesOf(output)
      const missing = wanted.filter((w) => !messages.includes(w))
      const present = unwanted.filter((u) => messages.includes(u))
      check(`${label}: logs ${wanted.map((w) => JSON.stringify(w)).join(", ")}${unwanted.length ? `; not ${unwanted.map((u) => JSON.stringify(u)).join(", ")}` : ""}`,
        missing.length === 0 && present.length === 0, `messages: ${JSON.stringify(messages, null, 1)}\noutput: ${output.slice(-2000)}`)
    }
  }
  for (const example of examples.filter((e) => e.mode === "run")) await SCENARIOS[example.name](project)

  const version = (await exec("npx", ["--no-install", "oneiric", "--version"], { cwd: dir })).stdout.trim()
  check(`npx oneiric --version: ${version} (the bundled CLI runs with none of its own dependencies installed)`, version === `oneiric ${pkg.version}`)

  const vitestTests = examples.filter((e) => e.mode === "vitest")
  if (vitestTests.length > 0) {
    t = Date.now()
    const vitest = await exec(path.join(dir, "node_modules", ".bin", "vitest"), ["run", "--dir", "test", "--reporter=default", "--reporter=json", "--outputFile.json=vitest.json"], { cwd: dir, allowFailure: true, timeoutMs: 120_000 })
    const result = fs.existsSync(path.join(dir, "vitest.json")) ? readJson(path.join(dir, "vitest.json")) : null
    const files = new Set((result?.testResults ?? []).map((r) => path.basename(r.name)))
    check(`vitest (the app's own tests on the in-memory Layers and TestClock): ${result?.numPassedTests ?? 0}/${result?.numTotalTests ?? 0} passed in ${vitestTests.map((e) => `${e.name}.test.ts`).join(", ")}, in ${seconds(Date.now() - t)}`,
      vitest.code === 0 && result !== null && result.success === true && result.numTotalTests > 0 && result.numFailedTests === 0 && vitestTests.every((e) => files.has(`${e.name}.test.ts`)),
      vitest.all.slice(-4000))
  }
  say(`  effect ${effect}: ${seconds(Date.now() - t0)}`)
}

check(`no "${VERSION_WARNING}" warning in any of the ${outputsScanned} outputs`, outputsScanned > 0 && !failures.some((f) => f.includes(VERSION_WARNING)))
say(`${checks.length - failures.length}/${checks.length} checks passed in ${seconds(Date.now() - started)}; tarball ${pack.filename}: ${pack.entryCount} files, ${(pack.size / 1024).toFixed(0)} KB`)
if (failures.length > 0) {
  say(`FAILED:\n${failures.map((f) => `  - ${f}`).join("\n")}`)
  process.exit(1)
}
