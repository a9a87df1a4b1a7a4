/** `oneiric migrate`: bring the configured store's schema to this version, separately from the processes that use it. */
import * as Command from "@effect/cli/Command"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { ActivityStore } from "../ActivityStore.js"
import { ConfigResolver } from "../ConfigResolver.js"
import { MigrationReport } from "../Domain/Report.js"
import * as Shared from "./Options.js"
import { print } from "./Output.js"
import { withLayer } from "./Root.js"

export const migrateCommand = Command.make("migrate", { json: Shared.json }, ({ json }) =>
  Effect.gen(function*() {
    const config = yield* ConfigResolver
    const outcome = yield* ActivityStore.migrate({ kind: config.storeKind, location: config.paths.activityStore })
    yield* print(json, MigrationReport, new MigrationReport(outcome), describe)
  }).pipe(withLayer(Layer.empty))
).pipe(Command.withDescription("Bring the store's schema to this version now"))

const describe = (r: MigrationReport): string => {
  const where = `${r.store}${r.schema === null ? "" : ` (schema ${r.schema})`}`
  return r.applied.length === 0
    ? `${where} is up to date: schema version ${r.version}`
    : `${where}: applied ${r.applied.join(", ")}; schema version ${r.version}`
}
