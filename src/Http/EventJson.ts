/**
 * The console's events as the JSON `/events` sends, each Schema-encoded. A snapshot is assembled
 * from its fields' encodings, the rows and transitions from a cache: the JSON of each row and
 * transition is kept as long as its object lives, and the supervisor replaces a row's object when
 * the row changes, so an entry can never be stale. At 10,000 keys this turns a snapshot from
 * ~100-250 ms of Schema encoding (per page opened) into a join.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { ActivityEntry, Transition } from "../Domain/Activity.js"
import type { ConsoleMessage } from "./Feed.js"
import { ConsoleHealth, ConsoleInstance, ConsoleSnapshot, HistoryEvent, InstancesEvent, RowsEvent } from "./Wire.js"

const cached = <A extends object, I>(schema: Schema.Schema<A, I>) => {
  const encode = Schema.encodeSync(schema)
  const cache = new WeakMap<A, string>()
  return (value: A): string => {
    let json = cache.get(value)
    if (json === undefined) cache.set(value, (json = JSON.stringify(encode(value))))
    return json
  }
}

const rowJson = cached(ActivityEntry)
const transitionJson = cached(Transition)

const encode = {
  now: Schema.encodeSync(Schema.DateTimeUtc),
  instances: Schema.encodeSync(Schema.Array(ConsoleInstance)),
  instancesEvent: Schema.encodeSync(InstancesEvent),
  health: Schema.encodeSync(ConsoleHealth),
  history: Schema.encodeSync(HistoryEvent)
}

/** `ConsoleSnapshot`'s encoding (the test holds it to `Schema.encode(ConsoleSnapshot)`). */
export const snapshotJson = (snapshot: ConsoleSnapshot): string =>
  `{"store":${JSON.stringify(snapshot.store)},"now":${JSON.stringify(encode.now(snapshot.now))},` +
  `"rows":[${snapshot.rows.map(rowJson).join(",")}],"pending":${snapshot.pending},` +
  `"instances":${JSON.stringify(encode.instances(snapshot.instances))},` +
  `"health":${JSON.stringify(encode.health(snapshot.health))},` +
  `"history":[${snapshot.history.map(transitionJson).join(",")}]}`

/** `RowsEvent`'s encoding, the rows from the cache (a snapshot's replay is thousands of them). */
export const rowsJson = (event: RowsEvent): string =>
  `{"changes":[${
    event.changes.map((c) =>
      `{"domain":${JSON.stringify(c.domain)},"key":${JSON.stringify(c.key)},"after":${c.after === null ? "null" : rowJson(c.after)},"cause":${JSON.stringify(c.cause)}}`
    ).join(",")
  }]}`

export const eventJson = (message: ConsoleMessage): string => {
  switch (message._tag) {
    case "snapshot":
      return snapshotJson(message.body)
    case "rows":
      return rowsJson(message.body)
    case "instances":
      return JSON.stringify(encode.instancesEvent(message.body))
    case "health":
      return JSON.stringify(encode.health(message.body))
    case "history":
      return JSON.stringify(encode.history(message.body))
  }
}

/** Fills the cache ahead of the first page, a slice at a time so the event loop keeps serving. */
export const warmUp = (rows: ReadonlyArray<ActivityEntry>) =>
  Effect.forEach(
    Array.from({ length: Math.ceil(rows.length / 500) }, (_, i) => rows.slice(i * 500, (i + 1) * 500)),
    (slice) => Effect.zipRight(Effect.sync(() => slice.forEach(rowJson)), Effect.yieldNow()),
    { discard: true }
  )

