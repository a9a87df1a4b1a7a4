/** An in-process `oneiric run` HTTP server over a memory store, and a reader of its event stream. */
import * as HttpServer from "@effect/platform/HttpServer"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Redacted from "effect/Redacted"
import { fileURLToPath } from "node:url"
import { ActivityQuery } from "../../src/ActivityQuery.js"
import { AdminTokenSource, HttpAccess, HttpConfig } from "../../src/Domain/Config.js"
import type { HttpReads, ResolvedConfigFields } from "../../src/Domain/Config.js"
import { HealthSnapshot } from "../../src/HealthSnapshot.js"
import { ConsoleModel } from "../../src/Http/console/model.js"
import { HttpLive } from "../../src/Http.js"
import type { ServerLimits } from "../../src/Http.js"
import { Instances } from "../../src/Instances.js"
import { Lifecycle } from "../../src/Lifecycle.js"
import { Metrics } from "../../src/Metrics.js"
import { Operator } from "../../src/Operator.js"
import { memoryStack } from "../layers.js"

export const TOKEN = "test-admin-token-0123456789"

/** The console's built files (`npm test` builds first). */
export const ASSETS_DIR = fileURLToPath(new URL("../../dist/console", import.meta.url))

export interface ServerOptions {
  /** Where it listens (default loopback); it always takes a free port. */
  readonly host?: string
  readonly reads?: HttpReads
  /** The admin token (default none). */
  readonly token?: string | null
  readonly limits?: Partial<ServerLimits>
  readonly config?: Partial<ResolvedConfigFields>
}

export const serverLayer = (options: ServerOptions = {}) => {
  const token = options.token ?? null
  const config: Partial<ResolvedConfigFields> = {
    http: new HttpConfig({ host: options.host ?? "127.0.0.1", port: 0 }),
    httpAccess: new HttpAccess({
      adminToken: new AdminTokenSource(token === null ? { from: "none", file: null } : { from: "env", file: null }),
      reads: options.reads ?? "auto"
    }),
    ...options.config
  }
  return HttpLive({ adminToken: token === null ? null : Redacted.make(token), limits: options.limits, assetsDir: ASSETS_DIR }).pipe(
    Layer.provide(Metrics.layer),
    Layer.provideMerge(HealthSnapshot.layerMemory()),
    Layer.provideMerge(Lifecycle.layer()),
    Layer.provideMerge(Instances.layer({ heartbeatMs: 100 })),
    Layer.provideMerge(Layer.merge(Operator.layer, ActivityQuery.layer)),
    Layer.provideMerge(memoryStack(config))
  )
}

/** Logs below warnings off: the servers built under it (and their request fibers) inherit it. */
export const quiet = <A, E, R>(effect: Effect.Effect<A, E, R>) => Logger.withMinimumLogLevel(effect, LogLevel.Warning)

/** Builds the server for the scope; `base` is `http://127.0.0.1:<port>`. */
export const startServer = (options: ServerOptions = {}) =>
  Effect.gen(function*() {
    const context = yield* quiet(Layer.build(serverLayer(options)))
    const address = Context.get(context, HttpServer.HttpServer).address
    if (address._tag !== "TcpAddress") throw new Error("expected a TCP address")
    return { context, base: `http://127.0.0.1:${address.port}`, port: address.port }
  })

export const request = (url: string, init: RequestInit = {}) =>
  Effect.promise(async () => {
    const response = await fetch(url, init)
    const text = await response.text()
    return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) }
  })

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

export const postJson = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  request(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) })

/** One event applied as the console's page applies it. */
const apply = (model: ConsoleModel, event: SseEvent) => {
  if (event.event === "snapshot") model.applySnapshot(event.data)
  else if (event.event === "rows") model.applyRows(event.data)
  else if (event.event === "instances") model.applyInstances(event.data)
  else if (event.event === "health") model.applyHealth(event.data)
  else if (event.event === "history") model.applyHistory(event.data, 500)
}

export interface SseEvent {
  readonly id: string | undefined
  readonly event: string
  /** The event's JSON. */
  readonly data: ReturnType<typeof JSON.parse>
}

/** An open `/events` stream: `next(predicate)` waits for the next event that matches. */
export const openEvents = (url: string, init: RequestInit = {}) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const controller = new AbortController()
      const response = await fetch(url, { ...init, signal: controller.signal })
      const reader = response.body!.getReader()
      const decoder = new TextDecoder()
      let buffer = ""
      const prelude: Array<string> = []
      const queue: Array<SseEvent> = []
      // What the console's page would hold after the same events.
      const model = new ConsoleModel()
      const read = async (): Promise<boolean> => {
        const { done, value } = await reader.read()
        if (done) return false
        buffer += decoder.decode(value, { stream: true })
        let end: number
        while ((end = buffer.indexOf("\n\n")) !== -1) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          const fields = new Map<string, string>()
          for (const line of block.split("\n")) {
            const colon = line.indexOf(":")
            if (colon <= 0) {
              prelude.push(line)
              continue
            }
            fields.set(line.slice(0, colon), line.slice(colon + 1).trimStart())
          }
          if (fields.has("data")) {
            const event = { id: fields.get("id"), event: fields.get("event") ?? "message", data: JSON.parse(fields.get("data")!) }
            queue.push(event)
            apply(model, event)
          }
          else if (fields.has("retry")) prelude.push(`retry: ${fields.get("retry")}`)
        }
        return true
      }
      const next = async (predicate: (event: SseEvent) => boolean = () => true, timeoutMs = 5_000): Promise<SseEvent> => {
        const deadline = Date.now() + timeoutMs
        while (Date.now() < deadline) {
          const index = queue.findIndex(predicate)
          if (index !== -1) return queue.splice(0, index + 1).at(-1)!
          queue.length = 0
          const more = await Promise.race([read(), new Promise<boolean>((resolve) => setTimeout(() => resolve(true), deadline - Date.now()))])
          if (!more) throw new Error("the event stream ended")
        }
        throw new Error(`no matching event within ${timeoutMs} ms`)
      }
      /** Waits until the page's model of the events read so far satisfies `check`. */
      const until = async (check: (model: ConsoleModel) => boolean, timeoutMs = 5_000): Promise<ConsoleModel> => {
        const deadline = Date.now() + timeoutMs
        while (!check(model)) {
          if (Date.now() > deadline) throw new Error(`the events did not get there within ${timeoutMs} ms`)
          const more = await Promise.race([read(), new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 50))])
          if (!more) throw new Error("the event stream ended")
        }
        return model
      }
      return { response, next, until, model, prelude, close: () => controller.abort() }
    }),
    (stream) => Effect.sync(() => stream.close())
  )
