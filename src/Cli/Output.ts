/** How commands print: Schema-encoded JSON on stdout with `--json`, readable text otherwise. */
import * as Console from "effect/Console"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

/** About this many characters per write: a large document goes out in pieces, never as one 30 MB string. */
export const PIECE = 1 << 18

/**
 * `text` printed as `Console.log(text)` prints it, in pieces of whole lines of about `PIECE` characters
 * (each piece's last newline is the one `Console.log` adds).
 */
export const printLarge = (text: string): Effect.Effect<void> => {
  if (text.length <= PIECE) return Console.log(text)
  return Effect.gen(function*() {
    let from = 0
    while (from < text.length) {
      const cut = text.length - from <= PIECE ? -1 : text.indexOf("\n", from + PIECE)
      if (cut === -1) {
        yield* Console.log(text.slice(from))
        return
      }
      yield* Console.log(text.slice(from, cut))
      from = cut + 1
    }
  })
}

/** Encode `value` with `schema` and print it as one JSON document. */
export const printJson = <A, I>(schema: Schema.Schema<A, I>, value: A) =>
  Schema.encode(schema)(value).pipe(
    // The value was built from the same schema: failing to encode it is a bug, not an input error.
    Effect.orDie,
    Effect.flatMap((encoded) => printLarge(JSON.stringify(encoded, null, 2)))
  )

/** Print `json` encoded by `schema` with `--json`, else the human text. */
export const print = <A, I>(json: boolean, schema: Schema.Schema<A, I>, value: A, human: (value: A) => string) =>
  json ? printJson(schema, value) : Effect.suspend(() => printLarge(human(value)))

/**
 * Collects lines and prints them in pieces of about `PIECE` characters as they come: for output built row
 * by row. `line` and `flush` are synchronous; `drain` prints what is due.
 */
export const makeLineWriter = () => {
  // Lines collected, then joined: one flat string per piece, not a rope of thousands of concatenations.
  let lines: Array<string> = []
  let size = 0
  const due: Array<string> = []
  const cut = () => {
    due.push(lines.join("\n"))
    lines = []
    size = 0
  }
  const print = Effect.suspend(() => Effect.forEach(due.splice(0), (piece) => Console.log(piece), { discard: true }))
  return {
    line: (text: string): void => {
      lines.push(text)
      size += text.length + 1
      if (size >= PIECE) cut()
    },
    /** Prints the pieces that are full. */
    drain: Effect.suspend(() => (due.length === 0 ? Effect.void : print)),
    /** Prints everything, the last piece too. */
    flush: Effect.suspend(() => {
      if (lines.length > 0) cut()
      return print
    })
  }
}

/**
 * Where output that is bytes already goes (a listing of 100,000 rows): stdout's stream, the one `Console.log`
 * writes to, so the two stay in order. Handing `Console.log` a string would cost a decode of the bytes and an
 * encode back, a fifth of `activity --json` at 100,000 keys. `write` completes once the stream is done with the
 * bytes (the caller may then reuse them); every piece ends a line. Replaced in tests, and by `reportExit` for
 * plain output.
 */
export class StdoutBytes extends Context.Reference<StdoutBytes>()("oneiric/Cli/StdoutBytes", {
  defaultValue: () => ({ write: writeStdout })
}) {}

const ignore = () => {}
let ignoringErrors = false
function writeStdout(bytes: Uint8Array): Effect.Effect<void> {
  return Effect.async<void>((resume) => {
    // As `Console.log` does: a reader that went away (`oneiric activity | head`) is not an error of ours.
    if (!ignoringErrors) process.stdout.on("error", ignore)
    ignoringErrors = true
    process.stdout.write(bytes, () => resume(Effect.void))
  })
}

/**
 * Collects text as UTF-8 bytes and prints it in pieces of whole lines of about `PIECE` bytes, for output of
 * 100,000 lines: a line is copied once into one buffer, used again for every piece (a text repeated from line
 * to line, once encoded, is copied as bytes), instead of being built as a string and flattened. The pieces go
 * to `StdoutBytes`.
 */
export const makeByteWriter = (size = 1 << 20) => {
  let buffer = Buffer.allocUnsafe(size)
  let at = 0
  /** Where the last whole line ends: a piece is printed up to there, the rest moves to the front. */
  let lineEnd = 0
  // Lines past `PIECE` wait for the next `drain`: between two, the buffer grows if it must.
  const room = (bytes: number) => {
    if (at + bytes <= buffer.length) return
    const larger = Buffer.allocUnsafe(Math.max(buffer.length * 2, at + bytes))
    buffer.copy(larger, 0, 0, at)
    buffer = larger
  }
  const print = (end: number) =>
    Effect.flatMap(StdoutBytes, (stdout) => stdout.write(buffer.subarray(0, end))).pipe(Effect.zipLeft(Effect.sync(() => {
      buffer.copy(buffer, 0, end, at)
      at -= end
      lineEnd = 0
    })))
  return {
    /** `text` (part of a line). */
    text: (text: string): void => {
      room(text.length * 3)
      at += buffer.write(text, at)
    },
    /** Bytes already encoded (part of a line). */
    bytes: (bytes: Buffer): void => {
      room(bytes.length)
      // `set`, not `copy`: the same copy without `copy`'s checks of its arguments, on every line of a listing.
      buffer.set(bytes, at)
      at += bytes.length
    },
    /** `bytes[start, end)` (part of a line): a few bytes (a key), copied one by one; `copy` would make a view of them first. */
    range: (bytes: Buffer, start: number, end: number): void => {
      room(end - start)
      for (let i = start; i < end; i++) buffer[at++] = bytes[i]!
    },
    /** Ends the line. */
    endLine: (): void => {
      room(1)
      buffer[at++] = 10
      lineEnd = at
    },
    /** Prints the whole lines written, if they are `PIECE` bytes or more. */
    drain: Effect.suspend(() => (lineEnd < PIECE ? Effect.void : print(lineEnd))),
    /** Prints everything written. */
    flush: Effect.suspend(() => (at === 0 ? Effect.void : print(at)))
  }
}
