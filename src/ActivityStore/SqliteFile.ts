/**
 * Cheap looks at the SQLite file behind a store, taken on every idle tick without going through a
 * connection (whose page cache would hide a file damaged in place): which file is at the path now,
 * and whether its first 100 bytes are still a SQLite header.
 *
 * Never open and close the database file by path while this process has a SQLite connection to it:
 * closing any descriptor of a file drops every POSIX lock the process holds on it, SQLite's included,
 * and another process may then checkpoint and delete the WAL under our connection. While connected,
 * the header is read through a descriptor held for as long as the connection (`headerAt`), closed
 * only after SQLite has closed its own.
 */
import * as fs from "node:fs"

const identify = (stat: fs.Stats) => `${stat.dev}:${stat.ino}:${stat.birthtimeMs}`

/** Which file is at the path now (inode numbers are reused, so the birth time is part of it); undefined: none. */
export const inodeOf = (filename: string): string | undefined => {
  try {
    return identify(fs.statSync(filename))
  } catch {
    return undefined
  }
}

/** Which file a descriptor is open on (same form as `inodeOf`). */
export const inodeOfFd = (fd: number): string => identify(fs.fstatSync(fd))

const MAGIC = Buffer.from("SQLite format 3\u0000", "latin1")
const HEADER_BYTES = 100

/**
 * What is wrong with the database header of `filename`, or undefined when it reads as SQLite's. Opens
 * and closes the file: only while this process has no connection to it (see above).
 */
export const headerProblem = (filename: string): string | undefined => {
  let fd: number
  try {
    fd = fs.openSync(filename, "r")
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT" ? "the file was deleted" : `cannot be read (${(error as Error).message})`
  }
  try {
    return headerAt(fd)
  } finally {
    fs.closeSync(fd)
  }
}

const header = Buffer.alloc(HEADER_BYTES)

/**
 * What is wrong with the database header read through `fd`, or undefined when it reads as SQLite's
 * (magic string, page size a power of two from 512 to 65536, file format 1 or 2, payload fractions
 * 64/32/32). One 100-byte `pread`: a few microseconds (docs/failure-modes-store.md).
 */
export const headerAt = (fd: number): string | undefined => {
  try {
    const read = fs.readSync(fd, header, 0, HEADER_BYTES, 0)
    if (read < HEADER_BYTES) return read === 0 ? "the file is empty" : `the file is ${read} bytes, shorter than a SQLite header`
    if (!header.subarray(0, 16).equals(MAGIC)) return "the SQLite header is gone (not a database, or overwritten)"
    const rawPageSize = header.readUInt16BE(16)
    const pageSize = rawPageSize === 1 ? 65_536 : rawPageSize
    if (pageSize < 512 || pageSize > 65_536 || (pageSize & (pageSize - 1)) !== 0) return `the SQLite header is damaged (page size ${rawPageSize})`
    if (![1, 2].includes(header[18]!) || ![1, 2].includes(header[19]!)) return "the SQLite header is damaged (file format)"
    if (header[21] !== 64 || header[22] !== 32 || header[23] !== 32) return "the SQLite header is damaged (payload fractions)"
    return undefined
  } catch (error) {
    return `cannot be read (${(error as Error).message})`
  }
}

/**
 * Removes `path` if it is still the file `inode` names (the `-wal` or `-shm` of a store file that was
 * replaced or deleted while this process had it open: SQLite leaves them behind when the last
 * connection to an unlinked file closes, and the next opener of whatever is at the path would read
 * the old file's pages through them). Moved aside first and checked, so a fresh file another process
 * created meanwhile is put back (never clobbering) instead of deleted. Returns whether it removed it.
 */
export const removeIfStill = (target: string, inode: string | undefined): boolean => {
  if (inode === undefined || inodeOf(target) !== inode) return false
  const aside = `${target}.replaced-${process.pid}-${Math.random().toString(36).slice(2, 10)}`
  try {
    fs.renameSync(target, aside)
  } catch {
    return false
  }
  const ours = inodeOf(aside) === inode
  if (!ours) {
    try {
      fs.linkSync(aside, target)
    } catch {
      // Something newer is at the path already.
    }
  }
  fs.rmSync(aside, { force: true })
  return ours
}
