/**
 * LISTEN on a dedicated connection, reconnecting with backoff. `@effect/sql-pg`'s own `listen`
 * cannot be used: after `pg_terminate_backend` its stream neither fails nor ends, and it never says
 * when LISTEN is active. Here every (re)connection emits `Listening` once LISTEN is in place — the
 * moment a reader must catch up from its last feed position, since NOTIFYs sent while nobody
 * listened are gone — and a lost connection emits `Lost` and is reopened (100 ms, doubling, at most
 * 5 s apart). A periodic ping notices a connection that died without a word (no RST).
 */
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import pg from "pg"
import { errorMessage } from "../Domain/Errors.js"
import type { StoreSignal } from "../Domain/Store.js"
import { isDomain, storedKey, toEntry } from "./Rows.js"
import type { ActivityRow } from "./Rows.js"

export interface ListenOptions {
  /** The connection, as for the pool (the password stays in here). */
  readonly client: pg.ClientConfig
  readonly channel: string
  /** How often the idle connection is pinged (default 15 s). */
  readonly pingMs?: number | undefined
  /** Messages about the connection pass through this (it masks the password). */
  readonly mask: (message: string) => string
}

/** The trigger's payload: `{ seq, domain, key, row }` (row null: gone), or `{ seq }` alone when the row was too long. */
interface Payload {
  readonly seq?: unknown
  readonly domain?: unknown
  readonly key?: unknown
  readonly row?: ActivityRow | null
}

const changed = (payload: string | undefined): StoreSignal => {
  let parsed: Payload
  try {
    parsed = JSON.parse(payload ?? "0")
  } catch {
    return { _tag: "Changed", seq: 0 }
  }
  if (typeof parsed === "number") return { _tag: "Changed", seq: parsed }
  const seq = Number(parsed?.seq ?? 0)
  if (!isDomain(parsed?.domain) || typeof parsed.key !== "string" || parsed.row === undefined) return { _tag: "Changed", seq }
  const entry = parsed.row === null ? null : toEntry(parsed.row) ?? null
  return { _tag: "Changed", seq, change: { domain: parsed.domain, key: storedKey(parsed.key), entry } }
}

const RECONNECT = Schedule.exponential("100 millis").pipe(Schedule.union(Schedule.spaced("5 seconds")))

/** One connection's life: connect, LISTEN, then relay notifications until it fails (it never succeeds). */
const session = (options: ListenOptions, emit: (signal: StoreSignal) => void) =>
  Effect.async<never, Error>((resume) => {
    const client = new pg.Client(options.client)
    let over = false
    let ping: ReturnType<typeof setInterval> | undefined
    const close = () => {
      over = true
      if (ping !== undefined) clearInterval(ping)
      client.removeAllListeners()
      // An error after the end (a late socket reset) must not reach the process as an unhandled event.
      client.on("error", () => undefined)
      client.end().catch(() => undefined)
    }
    const fail = (cause: unknown) => {
      if (over) return
      close()
      resume(Effect.fail(cause instanceof Error ? cause : new Error(String(cause))))
    }
    client.on("error", fail)
    client.on("end", () => fail(new Error("the connection ended")))
    client.on("notification", (message) => {
      if (message.channel === options.channel) emit(changed(message.payload))
    })
    client.connect()
      .then(() => client.query(`LISTEN "${options.channel}"`))
      .then(() => {
        if (over) return
        emit({ _tag: "Listening" })
        ping = setInterval(() => void client.query("SELECT 1").catch(fail), options.pingMs ?? 15_000)
        ping.unref()
      })
      .catch(fail)
    return Effect.sync(close)
  })

/**
 * The signals of `options.channel`, from a connection opened when the stream starts and closed when
 * it ends. Never fails: losing the connection is a `Lost` signal, and it is reopened.
 */
export const listen = (options: ListenOptions): Stream.Stream<StoreSignal> =>
  Stream.unwrapScoped(Effect.gen(function*() {
    // Sliding: a reader that falls behind loses old signals, never the latest (each one only means "look now").
    const signals = yield* Queue.sliding<StoreSignal>(1_024)
    const emit = (signal: StoreSignal) => void signals.unsafeOffer(signal)
    const backoff = yield* Schedule.driver(RECONNECT)
    // Whether the connection that just failed got as far as LISTEN: then the next retry starts from the shortest wait.
    let listened = false
    const relay = (signal: StoreSignal) => {
      if (signal._tag === "Listening") listened = true
      emit(signal)
    }
    const loop = Effect.forever(
      session(options, relay).pipe(
        Effect.catchAll((error) =>
          Effect.gen(function*() {
            const message = options.mask(errorMessage(error))
            emit({ _tag: "Lost", error: message })
            if (listened) yield* backoff.reset
            listened = false
            yield* Effect.logWarning("ActivityStore.listen: connection lost; reconnecting with backoff").pipe(
              Effect.annotateLogs({ channel: options.channel, error: message })
            )
            // The schedule never ends: its "done" cannot happen.
            yield* Effect.orDie(backoff.next(undefined))
          })
        )
      )
    )
    yield* Effect.forkScoped(loop)
    return Stream.fromQueue(signals)
  }))
