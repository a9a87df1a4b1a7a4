/**
 * Files any local user could swap (issue 8, item 4), against real processes and real files: the cache dir is
 * created 0700 and every file 0600 whatever the umask (the store's -wal/-shm included); `file_access = "group"`
 * shares them with a group; a directory others can write is refused (one line, exit 2, nothing written) unless
 * allowed; the snapshot is renamed over a planted symlink rather than written through it; temporary files a
 * killed writer left are removed at the next start (only ours).
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { tempDir } from "../helpers.js"
import { killRuns, startRun } from "../live/runProcess.js"
import { BIN, cli, eventually } from "./processes.js"

afterEach(killRuns)

const modeOf = (file: string) => (fs.statSync(file).mode & 0o7777).toString(8).padStart(4, "0")

/** The bin under a given umask (a shell sets it, as an operator's login would). */
const underUmask = (umask: string, args: ReadonlyArray<string>, env: Record<string, string> = {}) => {
  const quoted = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ")
  const r = spawnSync("sh", ["-c", `umask ${umask}; exec ${quoted}`], { encoding: "utf8", env: { ...process.env, ...env } })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

const pause = (cache: string, key = "a") => ["--cache-dir", cache, "pause", "--domain", "task", "--key", key]

describe("file modes", () => {
  it("whatever the umask (000, 022): the cache dir is 0700, the store, -wal, -shm and snapshot 0600", async () => {
    for (const umask of ["000", "022"]) {
      const cache = path.join(tempDir(), "nested", ".oneiric_cache")
      expect(underUmask(umask, pause(cache))).toMatchObject({ code: 0 })
      expect(modeOf(cache)).toBe("0700")
      expect(modeOf(path.dirname(cache))).toBe("0700")
      // A second writer keeps the WAL open long enough to see its files: the run below.
      const run = await startRun(cache)
      const health = path.join(cache, "runtime_health.json")
      await eventually(async () => fs.existsSync(health), 10_000)
      for (const name of ["domain_activity.sqlite", "domain_activity.sqlite-wal", "domain_activity.sqlite-shm", "runtime_health.json"]) {
        expect([name, modeOf(path.join(cache, name))]).toEqual([name, "0600"])
      }
      run.child.kill("SIGTERM")
      expect(await run.exited).toBe(0)
      expect(modeOf(health)).toBe("0600")
    }
  }, 60_000)

  it("file_access = \"group\": the dir is created 2770 (setgid) and the files 0660, whatever the umask; supervisor-info says who decided", () => {
    const cache = path.join(tempDir(), "shared")
    const env = { ONEIRIC_RUNTIME__FILE_ACCESS: "group" }
    expect(underUmask("077", pause(cache), env).code).toBe(0)
    expect(modeOf(cache)).toBe("2770")
    expect(modeOf(path.join(cache, "domain_activity.sqlite"))).toBe("0660")
    // A group-writable dir is what sharing with a group means: accepted under "group".
    expect(cli(pause(cache, "b"), env).code).toBe(0)
    const info = cli(["--cache-dir", cache, "supervisor-info", "--json"], env)
    expect(JSON.parse(info.stdout)).toMatchObject({ file_access: "group", allow_shared_cache_dir: false, decisions: { file_access: "env", allow_shared_cache_dir: "profile" } })
    expect(cli(["--cache-dir", cache, "supervisor-info"], env).stdout).toMatch(/file_access\s+group \(decided by env; dir 2770, files 0660\)/)
  })
})

describe("a cache dir others can write", () => {
  const cases: ReadonlyArray<readonly [string, number, RegExp]> = [
    ["world-writable", 0o777, /it is writable by every user \(mode 0777\)/],
    ["world-writable with the sticky bit", 0o1777, /it is writable by every user \(mode 1777; the sticky bit does not stop others creating the files it will hold\)/],
    ["group-writable", 0o770, /it is writable by its group \(mode 0770\); to share it with the group set \[runtime\] file_access = "group"/]
  ]
  for (const [name, mode, reason] of cases) {
    it(`${name}: refused with one line and exit 2 by writes and by run, nothing written; the setting allows it`, () => {
      const cache = tempDir()
      fs.chmodSync(cache, mode)
      for (const args of [pause(cache), ["--cache-dir", cache, "run", "--port", "0"]]) {
        const refused = cli(args)
        expect(refused.code).toBe(2)
        expect(refused.stdout).toBe("")
        expect(refused.stderr.split("\n").filter((l) => l !== "" && !l.startsWith("timestamp="))).toEqual([
          expect.stringMatching(new RegExp(`^oneiric: refusing cache dir ${cache}: ${reason.source}.*; fix its permissions \\(chmod go-w\\) or allow it with \\[runtime\\] allow_shared_cache_dir = true or ONEIRIC_RUNTIME__ALLOW_SHARED_CACHE_DIR=true$`))
        ])
        expect(fs.readdirSync(cache)).toEqual([])
      }
      // --json: the error object as well, on stdout.
      const json = cli([...pause(cache), "--json"])
      expect(JSON.parse(json.stdout)).toMatchObject({ error: { tag: "ConfigError", exit_code: 2 } })
      // A read command finds no store there and creates nothing.
      expect(cli(["--cache-dir", cache, "activity", "--json"]).code).toBe(0)
      expect(fs.readdirSync(cache)).toEqual([])
      const allowed = cli(pause(cache), { ONEIRIC_RUNTIME__ALLOW_SHARED_CACHE_DIR: "true" })
      expect(allowed.code).toBe(0)
      expect(fs.readdirSync(cache)).toContain("domain_activity.sqlite")
      // Also from the settings file.
      const settings = path.join(tempDir(), "settings.toml")
      fs.writeFileSync(settings, "[runtime]\nallow_shared_cache_dir = true\n")
      expect(cli(["--config", settings, ...pause(cache, "b")]).code).toBe(0)
      // With a store there, reads are refused too: what they would show could have been forged.
      expect(cli(["--cache-dir", cache, "activity"]).code).toBe(2)
    })
  }

  it("a dir that belongs to another user is refused; a health path in a world-writable dir is refused for run", () => {
    const cache = tempDir()
    fs.chownSync(cache, 4242, 4242)
    const refused = cli(pause(cache))
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(/^oneiric: refusing cache dir \S+: it belongs to another user \(uid 4242\), who can replace the files in it; /)
    const own = tempDir()
    const open = tempDir()
    fs.chmodSync(open, 0o1777)
    const run = cli(["--cache-dir", own, "run", "--port", "0", "--health-path", path.join(open, "health.json")])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(new RegExp(`oneiric: refusing health snapshot dir ${open}: it is writable by every user`))
    expect(fs.readdirSync(open)).toEqual([])
  })
})

describe("the snapshot's temporary files", () => {
  it("a symlink planted at the snapshot's name is replaced, never written through; leftovers of a dead writer are removed at start, only ours", async () => {
    const cache = tempDir()
    const victim = path.join(tempDir(), "victim")
    fs.writeFileSync(victim, "precious\n")
    const health = path.join(cache, "runtime_health.json")
    fs.symlinkSync(victim, health)
    // Leftovers: a dead writer's temp (this version's name and an earlier version's), and things that only look like it.
    const dead = 99_999_999
    const stale = [`.runtime_health.json.${dead}.0123456789abcdef.tmp`, `.runtime_health.json.${dead}.7.tmp`]
    for (const name of stale) fs.writeFileSync(path.join(cache, name), "{\"half\": ")
    const link = `.runtime_health.json.${dead}.fedcba9876543210.tmp`
    fs.symlinkSync(victim, path.join(cache, link))
    const live = `.runtime_health.json.${process.pid}.00000000000000aa.tmp`
    fs.writeFileSync(path.join(cache, live), "a live writer's")
    const other = ".other.json.1.tmp"
    fs.writeFileSync(path.join(cache, other), "not ours")

    const run = await startRun(cache)
    await eventually(async () => fs.lstatSync(health).isFile(), 10_000)
    run.child.kill("SIGTERM")
    expect(await run.exited).toBe(0)
    expect(fs.readFileSync(victim, "utf8")).toBe("precious\n")
    expect(modeOf(health)).toBe("0600")
    const left = fs.readdirSync(cache).sort()
    for (const name of stale) expect(left).not.toContain(name)
    expect(left).toEqual(expect.arrayContaining([link, live, other]))
    expect(left.filter((n) => n.endsWith(".tmp")).sort()).toEqual([link, live, other].sort())
    expect(run.log()).toMatch(/removed temporary files a killed writer left/)
  }, 30_000)
})
