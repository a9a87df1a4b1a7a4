/** How commands print: Schema-encoded JSON on stdout with `--json`, readable text otherwise. */
import * as Console from "effect/Console"
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
  let pending = ""
  const due: Array<string> = []
  return {
    line: (text: string): void => {
      pending = pending.length === 0 ? text : `${pending}\n${text}`
      if (pending.length >= PIECE) {
        due.push(pending)
        pending = ""
      }
    },
    /** Prints the pieces that are full. */
    drain: Effect.suspend(() => (due.length === 0 ? Effect.void : Effect.forEach(due.splice(0), (piece) => Console.log(piece), { discard: true }))),
    /** Prints everything, the last piece too. */
    flush: Effect.suspend(() => {
      if (pending.length > 0) due.push(pending)
      pending = ""
      return Effect.forEach(due.splice(0), (piece) => Console.log(piece), { discard: true })
    })
  }
}
