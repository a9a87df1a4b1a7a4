/** `oneiric drain`: refuse new work, let in-flight work finish (`--clear` clears only the drain). */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Shared from "./Options.js"
import { runTransition } from "./Transition.js"

const options = {
  domain: Shared.domain,
  key: Shared.key,
  positionalKey: Shared.positionalKey,
  note: Shared.note,
  forDuration: Shared.forDuration,
  until: Shared.until,
  by: Shared.by,
  dryRun: Shared.dryRun,
  json: Shared.json,
  clear: Options.boolean("clear").pipe(Options.withDescription("Clear the drain only (the original's spelling)"))
}

export const drainCommand = Command.make("drain", options, (args) =>
  runTransition(args.clear ? "clear-drain" : "drain", args)
).pipe(Command.withDescription("Drain a key: refuse new work and let in-flight work finish"))
