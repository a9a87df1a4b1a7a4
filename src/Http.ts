/**
 * The read-only HTTP probe server of `oneiric run`: `/healthz` (liveness), `/readyz` (readiness,
 * 503 with reasons), `/metrics` (Prometheus) and `/activity` (the `activity --json` report).
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServer from "@effect/platform/HttpServer"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { createServer } from "node:http"
import { ActivityQuery } from "./ActivityQuery.js"
import type { RuntimeHealthSnapshot } from "./Domain/Health.js"
import { ActivityReport } from "./Domain/Report.js"
import { Metrics } from "./Metrics.js"

/** What `/readyz` answers; `checks` (with `?verbose`) lists every condition that was looked at. */
export class Readiness extends Schema.Class<Readiness>("Readiness")({
  ready: Schema.Boolean,
  reasons: Schema.Array(Schema.String),
  checks: Schema.optional(Schema.Array(Schema.Struct({ name: Schema.String, ok: Schema.Boolean, detail: Schema.NullOr(Schema.String) })))
}) {}

/** `/readyz` from a health snapshot: its verdict, and the checks behind it for `?verbose`. */
export const readinessOf = (snapshot: RuntimeHealthSnapshot): Readiness => {
  const supervisor = snapshot.supervisor
  const checks = [
    { name: "supervisor", ok: !supervisor.enabled || (supervisor.running && supervisor.healthy), detail: supervisor.enabled ? supervisor.lastError : "disabled" },
    { name: "phase", ok: supervisor.phase === "running", detail: supervisor.phase },
    { name: "secrets", ok: snapshot.secrets.status === "ready", detail: snapshot.secrets.missing.length === 0 ? null : `missing: ${snapshot.secrets.missing.join(", ")}` },
    ...Object.entries(snapshot.lifecycleState).flatMap(([domain, components]) =>
      Object.entries(components).map(([key, health]) => ({ name: `component ${domain}/${key}`, ok: health.state !== "failed", detail: health.lastError ?? health.state }))
    )
  ]
  return new Readiness({ ready: snapshot.ready, reasons: [...snapshot.readyReasons], checks })
}

export interface HttpOptions {
  readonly host: string
  readonly port: number
  /** The current readiness, with every check. */
  readonly readiness: Effect.Effect<Readiness>
}

const json = <A, I>(schema: Schema.Schema<A, I>, value: A, status = 200) =>
  Effect.map(Effect.orDie(Schema.encode(schema)(value)), (body) => HttpServerResponse.unsafeJson(body, { status }))

const router = (options: HttpOptions) =>
  HttpRouter.empty.pipe(
    HttpRouter.get("/healthz", Effect.succeed(HttpServerResponse.unsafeJson({ status: "ok", pid: process.pid }))),
    HttpRouter.get(
      "/readyz",
      Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        const verbose = new URL(request.url, "http://localhost").searchParams.has("verbose")
        const readiness = yield* options.readiness
        const body = verbose ? readiness : new Readiness({ ready: readiness.ready, reasons: readiness.reasons })
        return yield* json(Readiness, body, readiness.ready ? 200 : 503)
      })
    ),
    HttpRouter.get(
      "/metrics",
      Effect.flatMap(Metrics, (metrics) => Effect.map(metrics.render, (text) => HttpServerResponse.text(text, { contentType: "text/plain; version=0.0.4; charset=utf-8" })))
    ),
    HttpRouter.get(
      "/activity",
      Effect.flatMap(ActivityQuery, (query) => Effect.flatMap(query.report(), (report) => json(ActivityReport, report))).pipe(
        Effect.catchTag("StoreUnavailable", (e) => Effect.succeed(HttpServerResponse.unsafeJson({ error: { tag: e._tag, message: e.message } }, { status: 503 })))
      )
    )
  )

/** Serves the probes on `host:port` for as long as the layer lives; logs the address it bound. */
export const HttpLive = (options: HttpOptions): Layer.Layer<never, never, Metrics | ActivityQuery> =>
  HttpServer.serve(router(options)).pipe(
    HttpServer.withLogAddress,
    Layer.provide(NodeHttpServer.layer(createServer, { host: options.host, port: options.port })),
    // A port already taken is an operator error, reported like one.
    Layer.orDie
  )
