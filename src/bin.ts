#!/usr/bin/env node
/** The `oneiric` executable: the one runMain. */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import { makeRunMain } from "@effect/platform/Runtime"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import { main } from "./Cli.js"
import { processTerminal, Terminal } from "./Cli/Terminal.js"
import { VERSION } from "./Internal/Version.js"
import { LoggerLive } from "./MainLive.js"
import { makeSignalHub, ProcessSignals } from "./ProcessSignals.js"
import type { ShutdownSignal } from "./ProcessSignals.js"

const signals = makeSignalHub()

/** OTLP tracing, loaded only when an endpoint is configured: it costs every other start-up time. */
const TracingLive = process.env.OTEL_EXPORTER_OTLP_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
  ? Layer.unwrapEffect(Effect.promise(() => import("./Tracing.js")).pipe(Effect.map((tracing) => tracing.TracingLive(process.env, VERSION))))
  : Layer.empty

// What @effect/cli needs, and no more (NodeContext would also load child_process and workers: ~5 ms).
const PlatformLive = Layer.mergeAll(
  NodeFileSystem.layer,
  NodePath.layer,
  NodeTerminal.layer,
  LoggerLive,
  ProcessSignals.layer(signals),
  Terminal.layer(processTerminal()),
  TracingLive
)

/**
 * NodeRuntime.runMain, except that SIGTERM/SIGINT go to a command waiting for them (`run` shuts down
 * gracefully and returns its outcome) and interrupt the program only when none is.
 */
const runMain = makeRunMain(({ fiber, teardown }) => {
  const keepAlive = setInterval(() => undefined, 2 ** 31 - 1)
  let interrupted = false
  const onSignal = (signal: ShutdownSignal) => () => {
    if (signals.deliver(signal)) return
    interrupted = true
    fiber.unsafeInterruptAsFork(fiber.id())
  }
  const onTerm = onSignal("SIGTERM")
  const onInt = onSignal("SIGINT")
  process.on("SIGTERM", onTerm)
  process.on("SIGINT", onInt)
  fiber.addObserver((exit) => {
    process.off("SIGTERM", onTerm)
    process.off("SIGINT", onInt)
    clearInterval(keepAlive)
    // Exit at once only when there is something to say; otherwise let stdout drain and the loop end.
    teardown(exit, (code) => {
      if (interrupted || code !== 0) process.exit(code)
    })
  })
})

runMain(main(process.argv.slice(2)).pipe(Effect.provide(PlatformLive)), {
  disableErrorReporting: true,
  disablePrettyLogger: true,
  // main has printed any failure and returns the exit code; an interrupted program (Ctrl-C) exits 130.
  teardown: (exit, onExit) => onExit(Exit.isSuccess(exit) && typeof exit.value === "number" ? exit.value : 130)
})
