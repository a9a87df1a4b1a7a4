/** The probes, always open: `/healthz` (liveness), `/readyz` (readiness, 503 with reasons), `/metrics`. */
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import type { RuntimeHealthSnapshot } from "../Domain/Health.js"
import { storeChecks } from "../Domain/Readiness.js"
import { HealthSnapshot } from "../HealthSnapshot.js"
import { Metrics } from "../Metrics.js"
import { json } from "./Respond.js"
import { Readiness } from "./Wire.js"

/** `/readyz` from a health snapshot: its verdict, and the checks behind it for `?verbose`. */
export const readinessOf = (snapshot: RuntimeHealthSnapshot): Readiness => {
  const supervisor = snapshot.supervisor
  const checks = [
    { name: "supervisor", ok: !supervisor.enabled || (supervisor.running && supervisor.healthy), detail: supervisor.enabled ? supervisor.lastError : "disabled" },
    { name: "phase", ok: supervisor.phase === "running", detail: supervisor.phase },
    ...storeChecks(supervisor),
    { name: "secrets", ok: snapshot.secrets.status === "ready", detail: snapshot.secrets.missing.length === 0 ? null : `missing: ${snapshot.secrets.missing.join(", ")}` },
    ...Object.entries(snapshot.lifecycleState).flatMap(([domain, components]) =>
      Object.entries(components).map(([key, health]) => ({ name: `component ${domain}/${key}`, ok: health.state !== "failed", detail: health.lastError ?? health.state }))
    )
  ]
  return new Readiness({ ready: snapshot.ready, reasons: [...snapshot.readyReasons], checks })
}

export const healthz = Effect.succeed(HttpServerResponse.unsafeJson({ status: "ok", pid: process.pid }))

export const readyz = Effect.gen(function*() {
  const request = yield* HttpServerRequest.HttpServerRequest
  const verbose = new URL(request.url, "http://localhost").searchParams.has("verbose")
  const readiness = readinessOf(yield* Effect.flatMap(HealthSnapshot, (health) => health.current))
  const body = verbose ? readiness : new Readiness({ ready: readiness.ready, reasons: readiness.reasons })
  return yield* json(Readiness, body, readiness.ready ? 200 : 503)
})

export const metrics = Effect.flatMap(Metrics, (service) =>
  Effect.map(service.render, (text) => HttpServerResponse.text(text, { contentType: "text/plain; version=0.0.4; charset=utf-8" })))
