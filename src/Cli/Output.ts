/** How commands print: Schema-encoded JSON on stdout with `--json`, readable text otherwise. */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

/** Encode `value` with `schema` and print it as one JSON document. */
export const printJson = <A, I>(schema: Schema.Schema<A, I>, value: A) =>
  Schema.encode(schema)(value).pipe(
    // The value was built from the same schema: failing to encode it is a bug, not an input error.
    Effect.orDie,
    Effect.flatMap((encoded) => Console.log(JSON.stringify(encoded, null, 2)))
  )

/** Print `json` encoded by `schema` with `--json`, else the human text. */
export const print = <A, I>(json: boolean, schema: Schema.Schema<A, I>, value: A, human: (value: A) => string) =>
  json ? printJson(schema, value) : Console.log(human(value))
