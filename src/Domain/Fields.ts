import * as Schema from "effect/Schema"

/**
 * A camelCase field whose JSON form is `key` (snake_case, as the CLI's JSON and the original's files use).
 * `key` is kept as a literal type, so the encoded type names the wire field exactly.
 */
export const snake = <S extends Schema.Schema.Any, const K extends string>(schema: S, key: K) =>
  Schema.propertySignature(schema).pipe(Schema.fromKey(key))

/**
 * A duration in milliseconds as JSON shows it: rounded to the microsecond on the way out (`1.715`,
 * not `1.715051000006497`); read back as written.
 */
export const Millis = Schema.transform(Schema.Number, Schema.Number, {
  strict: true,
  decode: (ms) => ms,
  encode: (ms) => Math.round(ms * 1_000) / 1_000
})
