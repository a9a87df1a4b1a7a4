/**
 * The HTTP server of `oneiric run`: the probes (`/healthz`, `/readyz`, `/metrics`), the reads
 * (`/activity`, `/api/history`, `/events`), the operator console at `/` and the write API
 * (`POST /api/transitions`). Routes, access rules and the console's feed are in `Http/`.
 *
 * The server protects itself: headers must arrive within `headersTimeoutMs`, a whole request within
 * `requestTimeoutMs`, an idle keep-alive connection is closed after `keepAliveTimeoutMs`, and at
 * most `maxConnections` are open at once (more are refused as they arrive). The event streams are
 * responses, so no timeout cuts them; they end when the server stops.
 */
import * as HttpServer from "@effect/platform/HttpServer"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import { createServer } from "node:http"
import type { Server } from "node:http"
import type { ActivityQuery } from "./ActivityQuery.js"
import type { ActivityStore } from "./ActivityStore.js"
import { ConfigResolver } from "./ConfigResolver.js"
import { ListenFailed } from "./Domain/Errors.js"
import type { ConfigError } from "./Domain/Errors.js"
import type { HealthSnapshot } from "./HealthSnapshot.js"
import { loadAdminToken, readsNeedToken } from "./Http/Access.js"
import { defaultAssetsDir, loadAssets } from "./Http/Assets.js"
import { warmUp } from "./Http/EventJson.js"
import { makeFeed } from "./Http/Feed.js"
import { makeApp } from "./Http/Router.js"
import type { Instances } from "./Instances.js"
import type { Lifecycle } from "./Lifecycle.js"
import type { Metrics } from "./Metrics.js"
import type { Operator } from "./Operator.js"
import { Supervisor } from "./Supervisor.js"

export { readinessOf } from "./Http/Probes.js"
export { Readiness } from "./Http/Wire.js"

export interface ServerLimits {
  /** The request line and headers must arrive within this (slowloris; a connection that sends nothing). */
  readonly headersTimeoutMs: number
  /** The whole request, body included, must arrive within this. */
  readonly requestTimeoutMs: number
  /** An idle keep-alive connection is closed after this. */
  readonly keepAliveTimeoutMs: number
  /** Connections open at once; more are closed as they arrive. */
  readonly maxConnections: number
  /** At shutdown, connections still open this long after the server stopped accepting are cut. */
  readonly closeGraceMs: number
}

export const DEFAULT_LIMITS: ServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 256,
  closeGraceMs: 1_000
}

export interface HttpOptions {
  readonly limits?: Partial<ServerLimits> | undefined
  /** Where the console's built files are (default: `dist/console` next to the program). */
  readonly assetsDir?: string | undefined
  /** The admin token (null: none); default: read from where the configuration says (`ONEIRIC_ADMIN_TOKEN`, a file). */
  readonly adminToken?: Redacted.Redacted<string> | null | undefined
}

type Requirements = ConfigResolver | Supervisor | ActivityStore | ActivityQuery | Operator | HealthSnapshot | Lifecycle | Instances | Metrics

/** How often Node looks for connections past their header or request deadline. */
const CHECK_INTERVAL_MS = 250

const makeServer = (limits: ServerLimits): Server => {
  const server = createServer({
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.min(CHECK_INTERVAL_MS, limits.headersTimeoutMs)
  })
  server.maxConnections = limits.maxConnections
  // Node's header deadline starts with the first byte: a connection that sends nothing at all would
  // stay open for ever. Give every connection until the header deadline to complete its first request.
  const firstRequest = new WeakMap<object, NodeJS.Timeout>()
  server.on("connection", (socket) => {
    const timer = setTimeout(() => socket.destroy(), limits.headersTimeoutMs).unref()
    firstRequest.set(socket, timer)
    socket.once("close", () => clearTimeout(timer))
  })
  server.on("request", (request) => clearTimeout(firstRequest.get(request.socket)))
  return server
}

/** One line naming the address and what to do about it. */
const listenFailure = (host: string, port: number, cause: unknown): ListenFailed => {
  const code = typeof cause === "object" && cause !== null && "code" in cause ? String(cause.code) : ""
  const where = `${host}:${port}`
  const message = code === "EADDRINUSE"
    ? `cannot listen on ${where}: port ${port} is already in use on ${host} (choose another with --port, or stop what holds it)`
    : code === "EACCES"
    ? `cannot listen on ${where}: permission denied (ports below 1024 need privileges)`
    : code === "EADDRNOTAVAIL" || code === "ENOTFOUND" || code === "EAI_AGAIN"
    ? `cannot listen on ${where}: ${host} is not an address of this machine (check --host)`
    : `cannot listen on ${where}: ${cause instanceof Error ? cause.message : String(cause)}`
  return new ListenFailed({ message, host, port })
}

/** Serves on the configured host and port for as long as the layer lives; logs the address it bound. */
export const HttpLive = (options: HttpOptions = {}): Layer.Layer<HttpServer.HttpServer, ListenFailed | ConfigError, Requirements> =>
  Layer.scoped(
    HttpServer.HttpServer,
    Effect.gen(function*() {
      const config = yield* ConfigResolver
      const { host, port } = config.http
      const token = options.adminToken !== undefined ? options.adminToken : yield* loadAdminToken(config.httpAccess.adminToken, process.env)
      const policy = { token, readsNeedToken: readsNeedToken(config.httpAccess.reads, host) }
      const limits = { ...DEFAULT_LIMITS, ...options.limits }
      const node = makeServer(limits)
      const server = yield* NodeHttpServer.make(() => node, { host, port }).pipe(
        Effect.mapError((error) => listenFailure(host, port, error.cause))
      )
      // Runs before the server's own close (finalizers run last-added first): stop idle connections
      // now and cut the rest after the grace, so a stuck client cannot hold the shutdown.
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => {
          node.closeIdleConnections()
          setTimeout(() => node.closeAllConnections(), limits.closeGraceMs).unref()
        })
      )
      const feed = yield* makeFeed
      // The rows' JSON ready before the first page asks (a page's first paint at 10,000 keys).
      yield* Effect.forkScoped(Effect.flatMap(Supervisor, (supervisor) => warmUp(supervisor.snapshot())))
      const assets = yield* Effect.either(loadAssets(options.assetsDir ?? defaultAssetsDir()))
      if (assets._tag === "Left") yield* Effect.logWarning(`Http: the console is unavailable: ${assets.left}`)
      yield* server.serve(makeApp({ policy, feed, assets }))
      yield* Effect.logInfo(`Listening on ${HttpServer.formatAddress(server.address)}`).pipe(
        Effect.annotateLogs({
          reads: policy.readsNeedToken ? (token === null ? "closed" : "token") : "open",
          writes: token === null ? "closed (no admin token)" : "token"
        })
      )
      return server
    })
  )
