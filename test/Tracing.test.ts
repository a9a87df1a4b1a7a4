import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Tracer from "effect/Tracer"
import * as fs from "node:fs"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { spawn } from "node:child_process"
import { ActivityKey } from "../src/Domain/ActivityKey.js"
import { VERSION } from "../src/Internal/Version.js"
import { Operator } from "../src/Operator.js"
import { Supervisor } from "../src/Supervisor.js"
import { tracingSettings } from "../src/Tracing.js"
import { tempDir } from "./helpers.js"
import { BIN } from "./live/worker.js"
import { memoryStack } from "./layers.js"

/** The current tracer, wrapped to keep the name of every span that ends: what an embedding app's own tracer sees. */
const recordingTracer = Effect.map(Effect.tracer, (base) => {
  const ended: Array<string> = []
  const tracer = Tracer.make({
    span: (name, parent, context, links, startTime, kind, options) => {
      const span = base.span(name, parent, context, links, startTime, kind, options)
      const end = span.end.bind(span)
      span.end = (endTime, exit) => {
        ended.push(name)
        end(endTime, exit)
      }
      return span
    },
    context: base.context
  })
  return { ended, tracer }
})

describe("tracing settings from the OpenTelemetry environment", () => {
  it("nothing without an endpoint, or when disabled", () => {
    expect(tracingSettings({})).toBeUndefined()
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_SDK_DISABLED: "true" })).toBeUndefined()
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_TRACES_EXPORTER: "none" })).toBeUndefined()
  })

  it("the base endpoint gets /v1/traces; the traces endpoint is used as is; service name, headers and attributes", () => {
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/" })).toEqual({
      url: "http://collector:4318/v1/traces", protocol: "http/protobuf", serviceName: "oneiric-supervisor", headers: {}, attributes: {}
    })
    expect(tracingSettings({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://ignored:4318",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "https://collector/custom",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_SERVICE_NAME: "billing-worker",
      OTEL_EXPORTER_OTLP_HEADERS: "authorization=Bearer%20abc,x-team=ops",
      OTEL_RESOURCE_ATTRIBUTES: "deployment.environment=prod"
    })).toEqual({
      url: "https://collector/custom",
      protocol: "http/json",
      serviceName: "billing-worker",
      headers: { authorization: "Bearer abc", "x-team": "ops" },
      attributes: { "deployment.environment": "prod" }
    })
  })

  it("an unsupported protocol or exporter is reported, not guessed", () => {
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4317", OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" })).toMatch(/grpc is not supported/)
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_TRACES_EXPORTER: "zipkin" })).toMatch(/zipkin is not supported/)
  })
})

describe("spans", () => {
  it.live("an embedding app's own tracer gets our spans: transitions and the ticks that applied a change", () =>
    Effect.gen(function*() {
      const { ended, tracer } = yield* recordingTracer
      yield* Effect.gen(function*() {
        const supervisor = yield* Supervisor
        yield* supervisor.awaitReady
        const operator = yield* Operator
        // Written beside the supervisor (as another process would): its next tick applies it.
        yield* operator.transition({ domain: "task", key: ActivityKey.make("reports"), action: "pause", actor: "ops", source: "api" })
        yield* supervisor.refresh
        yield* supervisor.transition({ domain: "task", key: ActivityKey.make("reports"), action: "resume", actor: "ops", source: "api" })
        expect(ended).toEqual(expect.arrayContaining(["Operator.transition", "Supervisor.applyChanges", "Supervisor.transition"]))
        // An idle tick is not worth a span (the first refresh catches up with the local write's feed row).
        yield* supervisor.refresh
        const count = ended.length
        yield* supervisor.refresh
        expect(ended.length).toBe(count)
      }).pipe(Effect.provide(Layer.provideMerge(Operator.layer, memoryStack())), Effect.withTracer(tracer))
    }))
})

/** An OTLP/HTTP JSON receiver: keeps every span's name and its resource's service.name. */
const receiver = () =>
  new Promise<{ readonly url: string; readonly spans: Array<{ name: string; service: string }>; readonly close: () => void }>((resolve) => {
    const spans: Array<{ name: string; service: string }> = []
    const server = http.createServer((request, response) => {
      let body = ""
      request.on("data", (chunk) => (body += chunk))
      request.on("end", () => {
        if (request.url === "/v1/traces") {
          const payload = JSON.parse(body) as {
            resourceSpans: Array<{
              resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> }
              scopeSpans: Array<{ spans: Array<{ name: string }> }>
            }>
          }
          for (const rs of payload.resourceSpans) {
            const service = rs.resource.attributes.find((a) => a.key === "service.name")?.value.stringValue ?? ""
            for (const scope of rs.scopeSpans) for (const span of scope.spans) spans.push({ name: span.name, service })
          }
        }
        response.writeHead(200, { "content-type": "application/json" }).end("{}")
      })
    })
    server.listen(0, "127.0.0.1", () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, close: () => server.close() }))
  })

describe("the CLI exports its spans over OTLP/HTTP and flushes them before it exits", () => {
  it("oneiric pause with OTEL_EXPORTER_OTLP_ENDPOINT set", async () => {
    const otlp = await receiver()
    try {
      const cache = tempDir()
      const exit = await new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, [BIN, "--cache-dir", cache, "pause", "--domain", "task", "--key", "traced"], {
          env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_EXPORTER_OTLP_PROTOCOL: "http/json", OTEL_SERVICE_NAME: "ops-laptop" },
          stdio: "ignore"
        })
        child.on("close", resolve)
      })
      expect(exit).toBe(0)
      // The process has exited: whatever it sent, it sent before exiting.
      expect(otlp.spans.map((s) => s.name)).toEqual(expect.arrayContaining(["Cli.pause", "Operator.transition"]))
      expect(new Set(otlp.spans.map((s) => s.service))).toEqual(new Set(["ops-laptop"]))
    } finally {
      otlp.close()
    }
  })
})

it("VERSION is package.json's version", () => {
  expect(VERSION).toBe(JSON.parse(fs.readFileSync(new URL("../package.json", import.meta.url), "utf8")).version)
})
