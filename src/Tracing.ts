/**
 * Tracing: our spans (`Cli.<command>`, `Operator.transition`, `Supervisor.applyChanges`,
 * `HealthSnapshot.write`, the HTTP server's requests…) exported over OTLP/HTTP when the standard
 * OpenTelemetry variables ask for it. The CLI and `run` provide this Layer around everything they do
 * (and flush it before the process exits); an embedding app that provides its own tracer gets the
 * same spans in its traces without it.
 */
import * as OtlpSerialization from "@effect/opentelemetry/OtlpSerialization"
import * as OtlpTracer from "@effect/opentelemetry/OtlpTracer"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

export type Env = Readonly<Record<string, string | undefined>>

const value = (env: Env, name: string) => {
  const raw = env[name]?.trim()
  return raw === undefined || raw === "" ? undefined : raw
}

/** `key1=value1,key2=value2` (OTEL_RESOURCE_ATTRIBUTES, OTEL_EXPORTER_OTLP_HEADERS), values percent-decoded. */
const keyValues = (raw: string | undefined): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const pair of raw?.split(",") ?? []) {
    const at = pair.indexOf("=")
    if (at <= 0) continue
    try {
      out[pair.slice(0, at).trim()] = decodeURIComponent(pair.slice(at + 1).trim())
    } catch {
      out[pair.slice(0, at).trim()] = pair.slice(at + 1).trim()
    }
  }
  return out
}

export interface TracingSettings {
  readonly url: string
  readonly protocol: "http/json" | "http/protobuf"
  readonly serviceName: string
  readonly headers: Record<string, string>
  readonly attributes: Record<string, string>
}

/**
 * What the environment asks for, per the OpenTelemetry specification: nothing unless an OTLP endpoint
 * is set (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as is, or `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`),
 * and nothing when `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`.
 */
export const tracingSettings = (env: Env): TracingSettings | string | undefined => {
  if (value(env, "OTEL_SDK_DISABLED")?.toLowerCase() === "true") return undefined
  const exporter = value(env, "OTEL_TRACES_EXPORTER")?.toLowerCase()
  if (exporter === "none") return undefined
  const traces = value(env, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
  const base = value(env, "OTEL_EXPORTER_OTLP_ENDPOINT")
  const url = traces ?? (base === undefined ? undefined : `${base.replace(/\/+$/, "")}/v1/traces`)
  if (url === undefined) return undefined
  if (exporter !== undefined && exporter !== "otlp") return `OTEL_TRACES_EXPORTER=${exporter} is not supported (only otlp); traces are not exported`
  const protocol = value(env, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") ?? value(env, "OTEL_EXPORTER_OTLP_PROTOCOL") ?? "http/protobuf"
  if (protocol !== "http/json" && protocol !== "http/protobuf") {
    return `OTEL_EXPORTER_OTLP_PROTOCOL=${protocol} is not supported (http/protobuf or http/json); traces are not exported`
  }
  const attributes = keyValues(value(env, "OTEL_RESOURCE_ATTRIBUTES"))
  return {
    url,
    protocol,
    serviceName: value(env, "OTEL_SERVICE_NAME") ?? attributes["service.name"] ?? "oneiric-supervisor",
    headers: { ...keyValues(value(env, "OTEL_EXPORTER_OTLP_HEADERS")), ...keyValues(value(env, "OTEL_EXPORTER_OTLP_TRACES_HEADERS")) },
    attributes
  }
}

/** The tracer the environment asks for, or no layer at all; flushes (at most 3 s) when its scope closes. */
export const TracingLive = (env: Env, serviceVersion: string): Layer.Layer<never> => {
  const settings = tracingSettings(env)
  if (settings === undefined) return Layer.empty
  if (typeof settings === "string") return Layer.effectDiscard(Effect.logWarning(`Tracing: ${settings}`))
  return OtlpTracer.layer({
    url: settings.url,
    resource: { serviceName: settings.serviceName, serviceVersion, attributes: settings.attributes },
    headers: settings.headers,
    shutdownTimeout: "3 seconds"
  }).pipe(
    Layer.provide(NodeHttpClient.layer),
    Layer.provide(settings.protocol === "http/json" ? OtlpSerialization.layerJson : OtlpSerialization.layerProtobuf)
  )
}
