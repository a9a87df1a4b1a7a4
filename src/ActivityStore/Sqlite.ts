/**
 * The SQLite ActivityStore: a tuned, migrated connection, reopened when the file is replaced (an
 * operator restoring a backup) and reported unavailable while it is deleted, so a running
 * supervisor marks itself unhealthy and recovers instead of reading an orphaned file forever.
 */
import * as Migrator from "@effect/sql/Migrator"
import * as SqlClient from "@effect/sql/SqlClient"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as fs from "node:fs"
import * as path from "node:path"
import { errorMessage, StoreUnavailable } from "../Domain/Errors.js"
import { resetBatch } from "../Domain/Store.js"
import type { ActivityStoreService, ChangeBatch } from "../Domain/Store.js"
import { LATEST_MIGRATION, migrations, MIGRATIONS_TABLE } from "./Migrations.js"
import { makeSqliteDialect } from "./SqliteDialect.js"
import { makeSqlStore } from "./SqlStore.js"

const DEFAULT_BUSY_TIMEOUT_MS = 5_000
const busyTimeoutOf = (options: SqliteOptions) => Math.max(0, Math.round(options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS))

export interface SqliteOptions {
  readonly filename: string
  /**
   * How long a statement waits for another connection's lock (default 5 s). better-sqlite3 waits
   * synchronously, blocking the event loop: long-running processes want this short.
   */
  readonly busyTimeoutMs?: number | undefined
}

/**
 * The SqliteClient for `filename`, tuned and migrated. Every process that opens the store waits
 * until the schema is at the newest version (a losing concurrent migrator would otherwise go on
 * before the tables exist).
 */
export const layerClient = (options: SqliteOptions): Layer.Layer<SqlClient.SqlClient, StoreUnavailable> => {
  const { filename } = options
  const failed = (what: string) => (cause: Cause.Cause<unknown>) =>
    new StoreUnavailable({ store: `sqlite:${filename}`, message: `${what} ${filename}: ${errorMessage(Cause.squash(cause))}` })
  const prepare = Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql.unsafe(`PRAGMA busy_timeout = ${busyTimeoutOf(options)}`)
    yield* sql`PRAGMA synchronous = NORMAL`
    const migrate = Migrator.make({})({ loader: migrations, table: MIGRATIONS_TABLE })
    const version = sql<{ id: number | null }>`SELECT MAX(migration_id) AS id FROM ${sql(MIGRATIONS_TABLE)}`.pipe(
      Effect.map((rows) => Number(rows[0]?.id ?? 0))
    )
    yield* migrate.pipe(
      Effect.zipRight(version),
      Effect.filterOrFail((v) => v >= LATEST_MIGRATION, () => new Error("schema is being migrated by another process")),
      Effect.retry(Schedule.spaced("20 millis").pipe(Schedule.intersect(Schedule.recurs(250))))
    )
  }).pipe(Effect.catchAllCause((cause) => Effect.fail(failed("cannot migrate")(cause))))
  const client = Layer.unwrapEffect(Effect.sync(() => {
    fs.mkdirSync(path.dirname(filename), { recursive: true })
    return SqliteClient.layer({ filename })
  }))
  // better-sqlite3 throws (a defect) on a file it cannot open: report it as the store being unavailable.
  const opened = Layer.catchAllCause(client, (cause) => Layer.fail(failed("cannot open")(cause)))
  return Layer.effectDiscard(prepare).pipe(Layer.provideMerge(opened))
}

/** Which file is at the path now (inode numbers are reused, so the birth time is part of it). */
const inodeOf = (filename: string): string | undefined => {
  try {
    const stat = fs.statSync(filename)
    return `${stat.dev}:${stat.ino}:${stat.birthtimeMs}`
  } catch {
    return undefined
  }
}

export const makeSqliteStore = (options: SqliteOptions) =>
  Effect.gen(function*() {
    const { filename } = options
    const describe = `sqlite:${filename}`
    const busyTimeoutMs = busyTimeoutOf(options)
    const open = Effect.gen(function*() {
      const scope = yield* Scope.make()
      const store = yield* Layer.buildWithScope(layerClient(options), scope).pipe(
        // Opened after the client, so the schema is migrated by then.
        Effect.flatMap((context) =>
          Effect.provide(Effect.flatMap(Scope.extend(makeSqliteDialect(filename, busyTimeoutMs, describe), scope), makeSqlStore), context)
        ),
        Effect.tapError(() => Scope.close(scope, Exit.void))
      )
      return { scope, store, inode: inodeOf(filename) }
    })

    let current = yield* open
    // Bumped on every reopen: the new file's change feed has nothing to do with the old one's.
    let generation = 0
    let generationFed = 0
    yield* Effect.addFinalizer(() => Scope.close(current.scope, Exit.void))

    /** Fails while the file is gone; reopens when it was replaced. */
    const checkFile = Effect.suspend(() => {
      const inode = inodeOf(filename)
      if (inode === undefined) {
        return Effect.fail(new StoreUnavailable({ store: describe, message: `${filename} was deleted; waiting for it to come back` }))
      }
      if (inode === current.inode) return Effect.void
      return Effect.gen(function*() {
        const old = current
        current = yield* open
        generation++
        yield* Scope.close(old.scope, Exit.void)
        yield* Effect.logWarning("ActivityStore.reopen: the store file was replaced").pipe(Effect.annotateLogs({ store: filename }))
      })
    })

    const store = (): ActivityStoreService => current.store
    const service: ActivityStoreService = {
      describe,
      file: filename,
      changeToken: Effect.zipRight(checkFile, Effect.suspend(() => Effect.map(store().changeToken, (t) => `${generation}:${t}`))),
      snapshot: Effect.suspend(() => Effect.tap(store().snapshot, () => { generationFed = generation })),
      changesSince: (seq) =>
        Effect.suspend((): Effect.Effect<ChangeBatch, StoreUnavailable> => {
          if (generationFed === generation) return store().changesSince(seq)
          // A reopened file: positions in the old feed mean nothing here, so hand over the whole state.
          return Effect.map(store().snapshot, (snapshot) => {
            generationFed = generation
            return resetBatch(snapshot)
          })
        }),
      get: (domain, key) => Effect.suspend(() => store().get(domain, key)),
      list: (filter) => Effect.suspend(() => store().list(filter)),
      listing: (filter, now) => Effect.suspend(() => store().listing?.(filter, now) ?? Effect.succeed(null)),
      keys: (domain, length) => Effect.suspend(() => store().keys(domain, length)),
      transition: (request) => Effect.suspend(() => store().transition(request)),
      preview: (request) => Effect.suspend(() => store().preview(request)),
      history: (filter) => Effect.suspend(() => store().history(filter)),
      expireDue: Effect.suspend(() => store().expireDue),
      publishInstance: (report) => Effect.suspend(() => store().publishInstance(report)),
      removeInstance: (id) => Effect.suspend(() => store().removeInstance(id)),
      instances: Effect.suspend(() => store().instances)
    }
    return service
  })
