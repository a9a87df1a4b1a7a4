#!/usr/bin/env node
/** The `oneiric` executable: the one runMain. */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import { cli } from "./Cli.js"
import { hoistRootOptions } from "./Cli/Argv.js"
import { reportExit } from "./Cli/Failure.js"

const argv = hoistRootOptions(process.argv)

reportExit(cli(argv), { json: argv.includes("--json"), plain: !process.stdout.isTTY }).pipe(
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain({
    disableErrorReporting: true,
    disablePrettyLogger: true,
    teardown: (exit, onExit) => onExit(exit._tag === "Success" && typeof exit.value === "number" ? exit.value : 1)
  })
)
