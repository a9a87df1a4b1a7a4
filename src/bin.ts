#!/usr/bin/env node
/** The `oneiric` executable: the one runMain. */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import { cli } from "./Cli.js"
import { hoistRootOptions } from "./Cli/Argv.js"
import { reportExit } from "./Cli/Failure.js"
import { LoggerLive } from "./MainLive.js"

const argv = hoistRootOptions(process.argv)

// What @effect/cli needs, and no more (NodeContext would also load child_process and workers: ~5 ms).
const PlatformLive = Layer.mergeAll(NodeFileSystem.layer, NodePath.layer, NodeTerminal.layer, LoggerLive)

reportExit(cli(argv), { json: argv.includes("--json"), plain: !process.stdout.isTTY }).pipe(
  Effect.provide(PlatformLive),
  NodeRuntime.runMain({
    disableErrorReporting: true,
    disablePrettyLogger: true,
    // `run` ends by a signal (the fiber is interrupted) and leaves its exit code in process.exitCode.
    teardown: (exit, onExit) =>
      onExit(
        Exit.isSuccess(exit) && typeof exit.value === "number"
          ? exit.value
          : Exit.isFailure(exit) && Cause.isInterruptedOnly(exit.cause)
          ? Number(process.exitCode ?? 0)
          : 1
      )
  })
)
