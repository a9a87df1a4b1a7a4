/**
 * The page's link to the server: the admin token (this tab only), `/api/access`, and the event
 * stream. An `EventSource` reconnects by itself after a dropped connection (the server's `retry:`),
 * and every connection starts with a snapshot, so the page resyncs without help. Only when the
 * server refuses the stream (an expired ticket, a restart that changed the token) does the page
 * ask `/api/access` again and open a new one.
 */
import type { AccessReport, ConsoleHealth, ConsoleSnapshot, HistoryEvent, InstancesEvent, RowsEvent } from "../Wire.js"

export type Access = typeof AccessReport.Encoded

const TOKEN_KEY = "oneiric.adminToken"

/** The admin token of this tab (session storage: it goes with the tab). */
export const tokenStore = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (token: string | null): void => (token === null ? sessionStorage.removeItem(TOKEN_KEY) : sessionStorage.setItem(TOKEN_KEY, token))
}

export const authorization = (token: string | null): Record<string, string> => (token === null ? {} : { authorization: `Bearer ${token}` })

export type Answer<A> =
  | { readonly ok: true; readonly body: A }
  | { readonly ok: false; readonly status: number; readonly message: string }

/** The server's `ErrorReport` message, or the status when there is none (a proxy's page, say). */
const failureOf = async (response: Response): Promise<{ readonly ok: false; readonly status: number; readonly message: string }> => {
  let message = `${response.status} ${response.statusText}`
  try {
    const body: unknown = await response.json()
    if (typeof body === "object" && body !== null && "error" in body && typeof body.error === "object" && body.error !== null && "message" in body.error) {
      message = String(body.error.message)
    }
  } catch {
    // Not JSON: the status says enough.
  }
  return { ok: false, status: response.status, message }
}

export interface Call {
  readonly token: string | null
  readonly method?: "GET" | "POST"
  /** Sent as JSON. */
  readonly json?: unknown
}

/** One API call; the body is the server's Schema-encoded JSON, typed by `Wire.ts`. */
export const call = async <A>(path: string, options: Call): Promise<Answer<A>> => {
  let response: Response
  try {
    const headers = { ...authorization(options.token), ...(options.json === undefined ? {} : { "content-type": "application/json" }) }
    response = await fetch(path, {
      method: options.method ?? "GET",
      cache: "no-store",
      headers,
      ...(options.json === undefined ? {} : { body: JSON.stringify(options.json) })
    })
  } catch (error) {
    return { ok: false, status: 0, message: `the server cannot be reached (${error instanceof Error ? error.message : String(error)})` }
  }
  if (!response.ok) return failureOf(response)
  return { ok: true, body: (await response.json()) as A }
}

export const fetchAccess = (token: string | null) => call<Access>("/api/access", { token })

export interface StreamHandlers {
  readonly snapshot: (body: typeof ConsoleSnapshot.Encoded) => void
  readonly rows: (body: typeof RowsEvent.Encoded) => void
  readonly instances: (body: typeof InstancesEvent.Encoded) => void
  readonly health: (body: typeof ConsoleHealth.Encoded) => void
  readonly history: (body: typeof HistoryEvent.Encoded) => void
  /** `reconnecting` while the browser retries by itself; `refused` when it gave up (the server answered with an error). */
  readonly status: (state: "connecting" | "live" | "reconnecting" | "refused") => void
}

export interface Stream {
  readonly close: () => void
}

/** How long the page works through queued events before it lets the browser paint. */
const SLICE_MS = 8

export const openStream = (ticket: string | null, handlers: StreamHandlers): Stream => {
  const source = new EventSource(ticket === null ? "/events" : `/events?ticket=${encodeURIComponent(ticket)}`)
  handlers.status("connecting")
  // The browser may hand over many events in one task (a snapshot's replay is megabytes): each is
  // queued as it comes and worked through a slice at a time, so a frame can be painted in between.
  // The snapshot itself is handled at once (it is small: the first keys) and drops what was queued
  // before it.
  const queue: Array<() => void> = []
  let scheduled = false
  const work = () => {
    const until = performance.now() + SLICE_MS
    while (queue.length > 0 && performance.now() < until) queue.shift()?.()
    scheduled = queue.length > 0
    if (scheduled) setTimeout(work, 0)
  }
  const on = <A>(name: string, handle: (body: A) => void) =>
    source.addEventListener(name, (event) => {
      if (!(event instanceof MessageEvent) || typeof event.data !== "string") return
      const data = event.data
      queue.push(() => handle(JSON.parse(data) as A))
      if (!scheduled) {
        scheduled = true
        setTimeout(work, 0)
      }
    })
  source.addEventListener("snapshot", (event) => {
    if (!(event instanceof MessageEvent) || typeof event.data !== "string") return
    queue.length = 0
    handlers.snapshot(JSON.parse(event.data) as typeof ConsoleSnapshot.Encoded)
    handlers.status("live")
  })
  on("rows", handlers.rows)
  on("instances", handlers.instances)
  on("health", handlers.health)
  on("history", handlers.history)
  source.addEventListener("error", () => handlers.status(source.readyState === EventSource.CLOSED ? "refused" : "reconnecting"))
  return {
    close: () => {
      queue.length = 0
      source.close()
    }
  }
}
