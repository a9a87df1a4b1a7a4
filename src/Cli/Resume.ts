/** `oneiric resume`: clear pause and drain (and the note; history keeps it). */
import * as Command from "@effect/cli/Command"
import * as Shared from "./Options.js"
import { runTransition } from "./Transition.js"

const options = {
  domain: Shared.domain,
  key: Shared.key,
  positionalKey: Shared.positionalKey,
  note: Shared.note,
  by: Shared.by,
  dryRun: Shared.dryRun,
  json: Shared.json,
  wait: Shared.wait,
  timeout: Shared.timeout
}

export const resumeCommand = Command.make("resume", options, (args) => runTransition("resume", args)).pipe(
  Command.withDescription("Resume a key: clear its pause and drain")
)
