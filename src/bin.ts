#!/usr/bin/env node
/** The `oneiric` executable: the one runMain. */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import * as Effect from "effect/Effect"
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
    teardown: (exit, onExit) => onExit(exit._tag === "Success" && typeof exit.value === "number" ? exit.value : 1)
  })
)
