/**
 * Every path the server answers, who may call it and with which methods: a path that exists but not
 * for this method is 405 with `Allow`; an unknown path 404; reads and writes pass the access rules
 * first (401/403). Every response carries a strict Content-Security-Policy (the console runs no
 * inline script or style) and the usual hardening headers.
 */
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import type * as Either from "effect/Either"
import type { ActivityQuery } from "../ActivityQuery.js"
import type { HealthSnapshot } from "../HealthSnapshot.js"
import type { Metrics } from "../Metrics.js"
import type { Operator } from "../Operator.js"
import type { Supervisor } from "../Supervisor.js"
import { checkRead, checkWrite, issueTicket } from "./Access.js"
import type { AccessPolicy, Verdict } from "./Access.js"
import { assetsMissing, serveAsset, ASSET_PATHS } from "./Assets.js"
import type { Assets } from "./Assets.js"
import { events } from "./Events.js"
import type { Feed } from "./Feed.js"
import * as Probes from "./Probes.js"
import * as Reads from "./Reads.js"
import { failure, json, methodNotAllowed } from "./Respond.js"
import { transitions } from "./Transitions.js"
import { AccessReport } from "./Wire.js"

type Services = HttpServerRequest.HttpServerRequest | Metrics | HealthSnapshot | ActivityQuery | Operator | Supervisor
type Handler = Effect.Effect<HttpServerResponse.HttpServerResponse, never, Services>

/** `open`: probes and the page's static files; `read`: data, open on loopback; `write`: the admin token, always. */
type Access = "open" | "read" | "write"

interface Route {
  readonly access: Access
  readonly get?: Handler
  readonly post?: Handler
}

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'"
].join("; ")

const SECURITY_HEADERS = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin"
}

export interface RouterOptions {
  readonly policy: AccessPolicy
  readonly feed: Feed
  /** The console's files, or why they are missing. */
  readonly assets: Either.Either<Assets, string>
}

const nowMs = Effect.clockWith((clock) => clock.currentTimeMillis)

/** `GET /api/access`: what the caller may do, and for a caller with the token, an `/events` ticket. */
const access = (policy: AccessPolicy): Handler =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const now = yield* nowMs
    const authorization = request.headers["authorization"]
    const verdict = authorization === undefined || policy.token === null ? undefined : checkWrite(policy, { authorization, nowMs: now })
    if (verdict?._tag === "Denied") return yield* denied(verdict)
    const authenticated = verdict?._tag === "Allowed"
    return yield* json(AccessReport, new AccessReport({
      reads: !policy.readsNeedToken ? "open" : policy.token === null ? "closed" : "token",
      writes: policy.token === null ? "disabled" : "enabled",
      authenticated,
      eventsTicket: authenticated && policy.readsNeedToken && policy.token !== null ? issueTicket(policy.token, now) : null
    }))
  })

const denied = (verdict: Extract<Verdict, { _tag: "Denied" }>) =>
  failure(verdict.status, verdict.tag, verdict.message, verdict.status === 401 ? { "www-authenticate": "Bearer realm=\"oneiric\"" } : {})

const routesOf = (options: RouterOptions): ReadonlyMap<string, Route> => {
  const assetRoutes = ASSET_PATHS.map((route): readonly [string, Route] => {
    const asset = options.assets._tag === "Right" ? options.assets.right.get(route) : undefined
    return [route, { access: "open", get: asset === undefined ? assetsMissing(options.assets._tag === "Left" ? options.assets.left : `${route} is missing`) : serveAsset(asset) }]
  })
  return new Map<string, Route>([
    ["/healthz", { access: "open", get: Probes.healthz }],
    ["/readyz", { access: "open", get: Probes.readyz }],
    ["/metrics", { access: "open", get: Probes.metrics }],
    ["/activity", { access: "read", get: Reads.activity }],
    ["/api/history", { access: "read", get: Reads.history }],
    ["/events", { access: "read", get: Effect.succeed(events(options.feed)) }],
    ["/api/access", { access: "open", get: access(options.policy) }],
    ["/api/transitions", { access: "write", post: transitions }],
    ...assetRoutes
  ])
}

/** `GET` routes also answer `HEAD` (headers only), except the event stream. */
const allowed = (path: string, route: Route): ReadonlyArray<string> => [
  ...(route.get === undefined ? [] : path === "/events" ? ["GET"] : ["GET", "HEAD"]),
  ...(route.post === undefined ? [] : ["POST"])
]

export const makeApp = (options: RouterOptions) => {
  const routes = routesOf(options)
  return Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const url = new URL(request.url, "http://localhost")
    const route = routes.get(url.pathname)
    if (route === undefined) return yield* failure(404, "NotFound", `nothing at ${url.pathname}`)
    const allow = allowed(url.pathname, route)
    const handler = request.method === "POST" ? route.post : route.get
    if (handler === undefined || !allow.includes(request.method)) return yield* methodNotAllowed(request.method, allow)
    if (route.access !== "open") {
      const credentials = { authorization: request.headers["authorization"], ticket: url.searchParams.get("ticket") ?? undefined, nowMs: yield* nowMs }
      const verdict = route.access === "write" ? checkWrite(options.policy, credentials) : checkRead(options.policy, credentials)
      if (verdict._tag === "Denied") return yield* denied(verdict)
    }
    return yield* handler
  }).pipe(
    Effect.map((response) =>
      HttpServerResponse.setHeaders(response, response.headers["cache-control"] === undefined ? { ...SECURITY_HEADERS, "cache-control": "no-store" } : SECURITY_HEADERS)
    )
  )
}
