/** `oneiric pause`: refuse new work for a key (`--resume` clears only the pause, as the original did). */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Shared from "./Options.js"
import { runTransition } from "./Transition.js"

const options = {
  ...Shared.transition,
  resume: Options.boolean("resume").pipe(Options.withDescription("Clear only the pause, keep a drain (the original's spelling)")),
  wait: Shared.wait,
  timeout: Shared.timeout
}

export const pauseCommand = Command.make("pause", options, (args) =>
  runTransition(args.resume ? "clear-pause" : "pause", args)
).pipe(Command.withDescription("Pause a key: running processes refuse new work for it"))
