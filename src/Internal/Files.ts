/**
 * Files the supervisor writes (the SQLite store and its -wal/-shm, the health snapshot, temporary files):
 * private modes whatever the umask, directories nobody else can write, temporary files created exclusively
 * under random names without following a symlink, and the temporary files of a killed writer removed at the
 * next start. See docs/failure-modes.md, "Trust model".
 */
import * as Effect from "effect/Effect"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import type { FileAccess, ResolvedConfig } from "../Domain/Config.js"
import { ConfigError } from "../Domain/Errors.js"

export interface FilePolicy {
  readonly access: FileAccess
  /** `allow_shared_cache_dir`: use a directory others can write anyway. */
  readonly allowShared: boolean
}

export const DEFAULT_FILE_POLICY: FilePolicy = { access: "owner", allowShared: false }

/** The policy the configuration decided (`file_access`, `allow_shared_cache_dir`). */
export const filePolicyOf = (config: ResolvedConfig): FilePolicy => ({ access: config.fileAccess, allowShared: config.allowSharedCacheDir })

/** Modes for a policy: `owner` 0700/0600; `group` 2770 (setgid: new files take the dir's group)/0660. */
export const modesOf = (access: FileAccess): { readonly dir: number; readonly file: number } =>
  access === "group" ? { dir: 0o2770, file: 0o660 } : { dir: 0o700, file: 0o600 }

const octal = (mode: number) => (mode & 0o7777).toString(8).padStart(4, "0")

const myUid = () => (typeof process.getuid === "function" ? process.getuid() : -1)
const myGroups = () => (typeof process.getgroups === "function" ? process.getgroups() : [])

/**
 * Why files in a directory with `stat` could be swapped by someone else, or undefined. The sticky bit does not
 * make a world-writable directory safe: others cannot remove our files there, but they can create the names we
 * are about to use (the store's `-wal`/`-shm`, the snapshot) before we do, and then we would read theirs.
 */
export const unsafeDirReason = (stat: fs.Stats, policy: FilePolicy, uid = myUid(), groups = myGroups()): string | undefined => {
  const mode = stat.mode
  if ((mode & 0o002) !== 0) {
    return `it is writable by every user (mode ${octal(mode)}${(mode & 0o1000) !== 0 ? "; the sticky bit does not stop others creating the files it will hold" : ""})`
  }
  if ((mode & 0o020) !== 0 && policy.access !== "group") {
    return `it is writable by its group (mode ${octal(mode)}); to share it with the group set [runtime] file_access = "group"`
  }
  if (uid >= 0 && stat.uid !== uid && stat.uid !== 0 && !(policy.access === "group" && groups.includes(stat.gid))) {
    return `it belongs to another user (uid ${stat.uid}), who can replace the files in it`
  }
  return undefined
}

const SETTING = `[runtime] allow_shared_cache_dir = true or ONEIRIC_RUNTIME__ALLOW_SHARED_CACHE_DIR=true`

const isCode = (error: unknown, code: string) => typeof error === "object" && error !== null && "code" in error && error.code === code

/**
 * Makes sure `dir` is a directory only we (or our group, by policy) can write. Missing: created with the
 * policy's mode when `create`, else `absent` (read commands never create anything). An unsafe directory is a
 * `ConfigError` (exit 2) naming it, unless the policy allows shared directories. A directory that cannot be
 * looked at or created at all (a path through a file, no permission) is `unusable`: opening the store or
 * writing the snapshot there then fails with its own error (the store: exit 5).
 */
export const prepareDir = (dir: string, policy: FilePolicy, options: { readonly what: string; readonly create: boolean }): Effect.Effect<"ready" | "absent" | "unusable", ConfigError> =>
  Effect.suspend(() => {
    let stat: fs.Stats
    try {
      stat = fs.statSync(dir)
    } catch (error) {
      if (!isCode(error, "ENOENT")) return Effect.succeed("unusable" as const)
      if (!options.create) return Effect.succeed("absent" as const)
      const mode = modesOf(policy.access).dir
      try {
        fs.mkdirSync(dir, { recursive: true, mode })
        // mkdir's mode is filtered by the umask and never sets setgid: say it exactly.
        fs.chmodSync(dir, mode)
        stat = fs.statSync(dir)
      } catch {
        return Effect.succeed("unusable" as const)
      }
    }
    if (!stat.isDirectory()) return Effect.succeed("unusable" as const)
    const reason = policy.allowShared ? undefined : unsafeDirReason(stat, policy)
    return reason === undefined
      ? Effect.succeed("ready" as const)
      : Effect.fail(new ConfigError({ message: `refusing ${options.what} ${dir}: ${reason}; fix its permissions (chmod go-w) or allow it with ${SETTING}` }))
  })

/** Exclusive create, never through a symlink: a name planted in advance is an error, not a target. */
const EXCLUSIVE = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW

/**
 * Creates `file` empty with `mode` if it does not exist (exclusively, without following a symlink); an
 * existing file is left as it is. SQLite gives a database's `-wal` and `-shm` the mode of the database file,
 * so creating the store this way before SQLite opens it makes all three private.
 */
export const createFileIfMissing = (file: string, mode: number): void => {
  let fd: number
  try {
    fd = fs.openSync(file, EXCLUSIVE, mode)
  } catch (error) {
    if (isCode(error, "EEXIST")) return
    throw error
  }
  try {
    fs.fchmodSync(fd, mode)
  } finally {
    fs.closeSync(fd)
  }
}

/** `.runtime_health.json.<pid>.<16 hex>.tmp`: ours, and which process wrote it. */
const tempName = (file: string) => `.${path.basename(file)}.${process.pid}.${crypto.randomBytes(8).toString("hex")}.tmp`

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/** Temporary names of `file` this project writes (and the sequential ones of earlier versions), with the writer's pid. */
const tempPattern = (file: string) => new RegExp(`^\\.${escapeRegExp(path.basename(file))}\\.(\\d+)\\.(?:[0-9a-f]{16}|\\d+)\\.tmp$`)

/**
 * Writes `text` to `file` atomically: a temporary file in the same directory (so the rename cannot cross
 * filesystems) created exclusively under a random name without following a symlink, with `mode` whatever the
 * umask, fsynced and renamed over `file`, then the directory fsynced. A reader sees the old content or the
 * new, never half of it; a failure removes the temporary file and leaves `file` alone.
 */
export const writeAtomically = async (file: string, text: string, mode: number): Promise<void> => {
  const dir = path.dirname(file)
  const temp = path.join(dir, tempName(file))
  await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 })
  try {
    const handle = await fs.promises.open(temp, EXCLUSIVE, mode)
    try {
      await handle.chmod(mode)
      await handle.writeFile(text, "utf8")
      await handle.sync()
    } finally {
      await handle.close()
    }
    await fs.promises.rename(temp, file)
  } catch (error) {
    // Only ours: after EEXIST the name belongs to someone else.
    if (!isCode(error, "EEXIST")) await fs.promises.rm(temp, { force: true }).catch(() => undefined)
    throw error
  }
  await syncDirectory(dir)
}

/** Makes a rename durable; some platforms cannot sync a directory, and the rename is atomic anyway. */
const syncDirectory = async (dir: string) => {
  let handle: fs.promises.FileHandle | undefined
  try {
    handle = await fs.promises.open(dir, "r")
    await handle.sync()
  } catch {
    // Not durable across a power cut on this platform; still atomic.
  } finally {
    await handle?.close().catch(() => undefined)
  }
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return isCode(error, "EPERM")
  }
}

/**
 * Removes the temporary files a killed writer of `file` left behind: only names of our pattern, only regular
 * files (never a symlink) owned by us, only when the process that wrote it is gone. Returns the names removed.
 */
export const removeStaleTemps = (file: string): Array<string> => {
  const dir = path.dirname(file)
  const pattern = tempPattern(file)
  let names: Array<string>
  try {
    names = fs.readdirSync(dir)
  } catch {
    return []
  }
  const removed: Array<string> = []
  for (const name of names) {
    const match = pattern.exec(name)
    if (match === null) continue
    const pid = Number(match[1])
    if (pid !== process.pid && isAlive(pid)) continue
    const full = path.join(dir, name)
    try {
      const stat = fs.lstatSync(full)
      if (!stat.isFile() || (myUid() >= 0 && stat.uid !== myUid())) continue
      fs.unlinkSync(full)
      removed.push(name)
    } catch {
      // Gone already, or not ours to remove.
    }
  }
  return removed
}
