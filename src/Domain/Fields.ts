import * as Schema from "effect/Schema"

/** A camelCase field whose JSON form is `key` (snake_case, as the CLI's JSON and the original's files use). */
export const snake = <S extends Schema.Schema.Any, const Key extends string>(schema: S, key: Key) =>
  Schema.propertySignature(schema).pipe(Schema.fromKey(key))
