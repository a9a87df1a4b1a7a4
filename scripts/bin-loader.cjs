#!/usr/bin/env node
// The `oneiric` executable, installed as dist/bin.cjs by scripts/build-cli.mjs. It runs the
// CommonJS bundle next to it, oneiric.cjs, through V8's code cache, so that a start does not parse
// and compile a megabyte of JavaScript again. It runs on every start: no dependencies, little work.
//
// oneiric.cjs.cache = SHA-256(bundle bytes + cached data) [32 bytes], the first 8 bytes of
// SHA-256(bundle path), then V8's cached data. The first hash matters: V8 checks only the source's
// length (plus its own version and flags), so without it a rebuilt or patched bundle of the same
// length would run stale bytecode, and a damaged cache file crashes V8 outright. The path matters
// because V8 keeps the file name it was compiled under in the cache, for stack traces: a cache
// that moved (built elsewhere, then installed) is rewritten here if the directory is writable.
//
// The cache is (re)written when it is missing, stale, moved or rejected (another Node version or
// other V8 flags): at exit, so it also covers the functions the command compiled lazily; through a
// temp file and a rename, so a concurrent start never reads half a file; and never at the
// command's expense: any error is ignored, and a read-only install runs without it.
// ONEIRIC_CODE_CACHE: "off" bypasses the cache, "write" rewrites it after this run even when it was
// accepted (the build's training runs use this), "report" / "write-report" also print to stderr.
//
// A dynamic import() cannot work here (Node 20 does not restore its callback from a code cache);
// the build refuses a bundle that contains one.
"use strict"
const fs = require("node:fs")
const path = require("node:path")
const vm = require("node:vm")
const Module = require("node:module")
const { createHash } = require("node:crypto")

const bundle = path.join(__dirname, "oneiric.cjs")
const cacheFile = bundle + ".cache"
const INTEGRITY = 32
const HEADER = INTEGRITY + 8
const mode = process.env.ONEIRIC_CODE_CACHE || ""
const useCache = mode !== "off"
const report = mode.endsWith("report")

const bytes = fs.readFileSync(bundle)
// A hashbang line is legal only at the very start of a script, not inside Module.wrap's function.
let source = bytes.toString("utf8")
if (source.startsWith("#!")) source = "//" + source.slice(2)

const integrity = (data) => createHash("sha256").update(bytes).update(data).digest()
let pathTag
let cachedData
let status = "off"
if (useCache) {
  pathTag = createHash("sha256").update(bundle).digest().subarray(0, HEADER - INTEGRITY)
  status = "missing"
  let file
  try {
    file = fs.readFileSync(cacheFile)
  } catch {
    // No cache yet: compile from source and write one at exit.
  }
  if (file !== undefined) {
    const data = file.subarray(HEADER)
    if (file.length <= HEADER || !integrity(data).equals(file.subarray(0, INTEGRITY))) {
      status = "stale"
    } else if (pathTag.equals(file.subarray(INTEGRITY, HEADER))) {
      cachedData = data
      status = "accepted"
    } else {
      status = "moved"
      // Rewriting from the cache would keep the old file name, so compile afresh this once, but
      // only where the new cache can be written; elsewhere the moved cache is still worth using.
      try {
        fs.accessSync(__dirname, fs.constants.W_OK)
      } catch {
        cachedData = data
      }
    }
  }
}

const script = new vm.Script(Module.wrap(source), { filename: bundle, cachedData })
if (cachedData !== undefined && script.cachedDataRejected) status = "rejected"

if (useCache && (status !== "accepted" || mode.startsWith("write"))) {
  process.once("exit", () => {
    const tmp = `${cacheFile}.${process.pid}.tmp`
    let fd
    let created = false
    try {
      // Open first: serialising costs time, so only do it where the result can be kept.
      fd = fs.openSync(tmp, "wx")
      created = true
      const data = script.createCachedData()
      fs.writeSync(fd, integrity(data))
      fs.writeSync(fd, pathTag)
      fs.writeSync(fd, data)
      fs.closeSync(fd)
      fd = undefined
      fs.renameSync(tmp, cacheFile)
      if (report) process.stderr.write(`oneiric code cache: ${status}, wrote ${data.length} bytes\n`)
    } catch (error) {
      if (fd !== undefined) {
        try {
          fs.closeSync(fd)
        } catch {}
      }
      if (created) {
        try {
          fs.unlinkSync(tmp)
        } catch {}
      }
      if (report) process.stderr.write(`oneiric code cache: ${status}, not written (${(error && error.code) || error})\n`)
    }
  })
} else if (report) {
  process.stderr.write(`oneiric code cache: ${status}\n`)
}

const bundleModule = new Module(bundle, module)
bundleModule.filename = bundle
bundleModule.paths = Module._nodeModulePaths(__dirname)
const wrapper = script.runInThisContext()
wrapper.call(
  bundleModule.exports,
  bundleModule.exports,
  Module.createRequire(bundle),
  bundleModule,
  bundle,
  __dirname
)
bundleModule.loaded = true
