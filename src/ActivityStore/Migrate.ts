/**
 * `oneiric migrate` on a SQLite file: bring its schema to this version's now (creating the file if
 * needed) and say which migrations this run applied. (The PostgreSQL side is `migratePostgres`.)
 */
import * as SqlClient from "@effect/sql/SqlClient"
import Database from "better-sqlite3"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as fs from "node:fs"
import { errorMessage, StoreUnavailable } from "../Domain/Errors.js"
import { MIGRATIONS_TABLE } from "./Migrations.js"
import { layerClient } from "./Sqlite.js"

export interface MigrationOutcome {
  readonly store: string
  readonly schema: string | null
  readonly version: number
  readonly applied: ReadonlyArray<string>
}

/** The newest migration a file has (0: no file, or never migrated). */
const versionOf = (filename: string): number => {
  if (!fs.existsSync(filename)) return 0
  const db = new Database(filename, { readonly: true, fileMustExist: true })
  try {
    const row = db.prepare(`SELECT MAX(migration_id) AS id FROM ${MIGRATIONS_TABLE}`).get() as { id: number | null } | undefined
    return Number(row?.id ?? 0)
  } catch {
    return 0
  } finally {
    db.close()
  }
}

export const migrateSqlite = (filename: string): Effect.Effect<MigrationOutcome, StoreUnavailable> => {
  const store = `sqlite:${filename}`
  const migrations = Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ migration_id: number; name: string }>`SELECT migration_id, name FROM ${sql(MIGRATIONS_TABLE)} ORDER BY migration_id`)
  return Effect.gen(function*() {
    const before = yield* Effect.try({
      try: () => versionOf(filename),
      catch: (e) => new StoreUnavailable({ store, message: `cannot read ${filename}: ${errorMessage(e)}` })
    })
    // Building the client migrates the file.
    const rows = yield* Effect.scoped(Effect.flatMap(Layer.build(layerClient({ filename })), (context) => Effect.provide(migrations, context))).pipe(
      Effect.catchTag("SqlError", (e) => Effect.fail(new StoreUnavailable({ store, message: `cannot read the migrations of ${filename}: ${errorMessage(e)}` })))
    )
    return {
      store,
      schema: null,
      version: rows.reduce((v, r) => Math.max(v, Number(r.migration_id)), 0),
      applied: rows.filter((r) => Number(r.migration_id) > before).map((r) => `${String(r.migration_id).padStart(4, "0")}_${r.name}`)
    }
  })
}
