/**
 * Cheap looks at the SQLite file behind a store, taken on every idle tick without going through a
 * connection (whose page cache would hide a file damaged in place): which file is at the path now,
 * and whether its first 100 bytes are still a SQLite header.
 */
import * as fs from "node:fs"

/** Which file is at the path now (inode numbers are reused, so the birth time is part of it); undefined: none. */
export const inodeOf = (filename: string): string | undefined => {
  try {
    const stat = fs.statSync(filename)
    return `${stat.dev}:${stat.ino}:${stat.birthtimeMs}`
  } catch {
    return undefined
  }
}

const MAGIC = Buffer.from("SQLite format 3\u0000", "latin1")
const HEADER_BYTES = 100

/**
 * What is wrong with the database header of `filename`, or undefined when it reads as SQLite's
 * (magic string, page size a power of two from 512 to 65536, file format 1 or 2, payload fractions
 * 64/32/32). One `open`, one 100-byte `read`: a few microseconds (docs/failure-modes-store.md).
 */
export const headerProblem = (filename: string): string | undefined => {
  let fd: number
  try {
    fd = fs.openSync(filename, "r")
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT" ? "the file was deleted" : `cannot be read (${(error as Error).message})`
  }
  try {
    const header = Buffer.alloc(HEADER_BYTES)
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
  } finally {
    fs.closeSync(fd)
  }
}
