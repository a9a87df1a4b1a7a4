/**
 * `GET /events`: the console's Server-Sent Events. Every connection starts with `event: snapshot`
 * (the whole state), then `rows`, `instances`, `health` and `history` as they change; each carries
 * `id:` (its position in the feed) and the stream opens with `retry:`, so an `EventSource`
 * reconnects by itself — and resyncs, since every connection starts with a snapshot (`Last-Event-ID`
 * is not needed). A comment line every 15 s keeps proxies from closing an idle stream.
 */
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Stream from "effect/Stream"
import { eventJson } from "./EventJson.js"
import type { ConsoleMessage, Feed } from "./Feed.js"

/** How long a browser waits before reconnecting. */
const RETRY_MS = 1_000
const KEEPALIVE = "15 seconds"

/** One event: JSON never holds a raw newline, so `data:` is one line. */
export const formatEvent = (message: ConsoleMessage): string => `id: ${message.id}\nevent: ${message._tag}\ndata: ${eventJson(message)}\n\n`

export const events = (feed: Feed) => {
  const messages = Stream.unwrapScoped(feed.connect).pipe(Stream.map(formatEvent))
  const keepalive = Stream.tick(KEEPALIVE).pipe(Stream.drop(1), Stream.as(": keepalive\n\n"))
  const body = Stream.concat(Stream.succeed(`retry: ${RETRY_MS}\n\n`), Stream.merge(messages, keepalive, { haltStrategy: "left" })).pipe(Stream.encodeText)
  return HttpServerResponse.stream(body, {
    contentType: "text/event-stream; charset=utf-8",
    // No proxy buffering (nginx), no caching: events are live.
    headers: { "cache-control": "no-store", "x-accel-buffering": "no" }
  })
}
