/**
 * The SQLite ActivityStore: a tuned, migrated connection, reopened when the file is replaced (an
 * operator restoring a backup) and reported unavailable while it is deleted or damaged, so a running
 * supervisor marks itself unhealthy, keeps enforcing what it knows, and recovers instead of reading an
 * orphaned file forever. A replacement is verified before it is handed over, with both identities.
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
import type { ActivityStoreService, ChangeBatch, StoreReplacement } from "../Domain/Store.js"
import { createFileIfMissing } from "../Internal/Files.js"
import { IDENTITY_TABLE, LATEST_MIGRATION, migrations, MIGRATIONS_TABLE } from "./Migrations.js"
import { headerAt, headerProblem, inodeOf, inodeOfFd, removeIfStill } from "./SqliteFile.js"
import { makeSqliteDialect } from "./SqliteDialect.js"
import { makeSqlStore } from "./SqlStore.js"

const DEFAULT_BUSY_TIMEOUT_MS = 5_000
/** How long a clean look at the store file vouches for the writes after it (see `write` below). */
export const CHECK_COVERS_MS = 10
const busyTimeoutOf = (options: SqliteOptions) => Math.max(0, Math.round(options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS))

export interface SqliteOptions {
  readonly filename: string
  /**
   * How long a statement waits for another connection's lock (default 5 s). better-sqlite3 waits
   * synchronously, blocking the event loop: long-running processes want this short.
   */
  readonly busyTimeoutMs?: number | undefined
  /**
   * Mode of a store file created here (default 0600, whatever the umask); SQLite gives the `-wal` and `-shm`
   * the database file's mode. An existing file keeps its mode.
   */
  readonly fileMode?: number | undefined
}

/**
 * The SqliteClient for `filename`, tuned and migrated. Every process that opens the store waits
 * until the schema is at the newest version (a losing concurrent migrator would otherwise go on
 * before the tables exist). With `verify`, the file must pass `PRAGMA quick_check` before anything
 * is written to it (a file put in place of the store under a running process).
 */
export const layerClient = (options: SqliteOptions, verify = false): Layer.Layer<SqlClient.SqlClient, StoreUnavailable> => {
  const { filename } = options
  const failed = (what: string) => (cause: Cause.Cause<unknown>) =>
    new StoreUnavailable({ store: `sqlite:${filename}`, message: `${what} ${filename}: ${errorMessage(Cause.squash(cause))}` })
  const prepare = Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql.unsafe(`PRAGMA busy_timeout = ${busyTimeoutOf(options)}`)
    yield* sql`PRAGMA synchronous = NORMAL`
    if (verify) {
      const verdict = (yield* sql<{ quick_check: string }>`PRAGMA quick_check`).map((row) => row.quick_check).join("; ").replace(/\s*\n\s*/g, "; ")
      if (verdict !== "ok") {
        return yield* new StoreUnavailable({ store: `sqlite:${filename}`, message: `${filename} failed its integrity check: ${verdict}` })
      }
    }
    const migrate = Migrator.make({})({ loader: migrations, table: MIGRATIONS_TABLE })
    const version = sql<{ id: number | null }>`SELECT MAX(migration_id) AS id FROM ${sql(MIGRATIONS_TABLE)}`.pipe(
      Effect.map((rows) => Number(rows[0]?.id ?? 0))
    )
    yield* migrate.pipe(
      Effect.zipRight(version),
      Effect.filterOrFail((v) => v >= LATEST_MIGRATION, () => new Error("schema is being migrated by another process")),
      // A damaged file fails the same way every time: only a schema still being migrated is worth waiting for.
      Effect.retry({
        schedule: Schedule.spaced("20 millis").pipe(Schedule.intersect(Schedule.recurs(250))),
        while: (error) => !/malformed|not a database|corrupt/i.test(errorMessage(error))
      })
    )
  }).pipe(
    Effect.catchAllCause((cause) => {
      const failure = Cause.failureOption(cause)
      return Effect.fail(failure._tag === "Some" && failure.value instanceof StoreUnavailable ? failure.value : failed("cannot migrate")(cause))
    })
  )
  const client = Layer.unwrapEffect(Effect.sync(() => {
    fs.mkdirSync(path.dirname(filename), { recursive: true, mode: 0o700 })
    if (filename !== ":memory:" && !filename.startsWith("file:")) createFileIfMissing(filename, options.fileMode ?? 0o600)
    return SqliteClient.layer({ filename })
  }))
  // better-sqlite3 throws (a defect) on a file it cannot open: report it as the store being unavailable.
  const opened = Layer.catchAllCause(client, (cause) => Layer.fail(failed("cannot open")(cause)))
  return Layer.effectDiscard(prepare).pipe(Layer.provideMerge(opened))
}

export const makeSqliteStore = (options: SqliteOptions) =>
  Effect.gen(function*() {
    const { filename } = options
    const describe = `sqlite:${filename}`
    const busyTimeoutMs = busyTimeoutOf(options)
    const unavailable = (message: string) => new StoreUnavailable({ store: describe, message })

    /** Opens the file at the path; a reopen verifies it first (`PRAGMA quick_check`, then the schema). */
    const open = (verify: boolean) =>
      Effect.gen(function*() {
        const before = inodeOf(filename)
        const scope = yield* Scope.make()
        const opened = yield* Layer.buildWithScope(layerClient(options, verify), scope).pipe(
          // Opened after the client, so the schema is migrated by then.
          Effect.flatMap((context) =>
            Effect.gen(function*() {
              const sql = yield* SqlClient.SqlClient
              const [row] = yield* sql<{ id: string }>`SELECT id FROM ${sql(IDENTITY_TABLE)} LIMIT 1`
              const store = yield* Effect.flatMap(Scope.extend(makeSqliteDialect(filename, busyTimeoutMs, describe), scope), makeSqlStore)
              // Held as long as the connections, and closed only after them (`release`).
              const fd = yield* Effect.try({ try: () => fs.openSync(filename, "r"), catch: (e) => unavailable(`cannot open ${filename}: ${errorMessage(e)}`) })
              const inode = inodeOfFd(fd)
              if (before !== undefined && before !== inode) {
                yield* Scope.close(scope, Exit.void)
                fs.closeSync(fd)
                return yield* Effect.fail(unavailable(`${filename} was replaced while it was being opened`))
              }
              return { store, id: row?.id ?? null, fd, inode }
            }).pipe(Effect.provide(context))
          ),
          Effect.catchTag("SqlError", (e) => Effect.fail(unavailable(`cannot verify ${filename}: ${errorMessage(e)}`))),
          Effect.tapError(() => Scope.close(scope, Exit.void))
        )
        // The WAL and shared memory this connection uses (the old file's, once it is replaced or deleted).
        return { scope, ...opened, wal: inodeOf(`${filename}-wal`), shm: inodeOf(`${filename}-shm`) }
      })

    let current: Effect.Effect.Success<ReturnType<typeof open>> | undefined = yield* open(false)
    /** The file last opened, its identity, and why it was let go (a damaged header), if it was. */
    let known = { inode: current.inode, id: current.id, wal: current.wal, shm: current.shm }
    let damaged: string | undefined
    // Bumped on every reopen: the new file's change feed has nothing to do with the old one's.
    let generation = 0
    let generationFed = 0
    let replaced: StoreReplacement | undefined
    const lock = yield* Effect.makeSemaphore(1)

    /** Closes this process's connections to the file (both of them) before anything opens another. */
    const release = Effect.suspend(() => {
      const old = current
      current = undefined
      // SQLite's connections first, then our descriptor: closing it earlier would drop SQLite's locks.
      return old === undefined ? Effect.void : Effect.zipRight(Scope.close(old.scope, Exit.void), Effect.sync(() => fs.closeSync(old.fd)))
    })
    yield* Effect.addFinalizer(() => release)

    /**
     * After letting go of a file that is no longer at the path: its `-wal`/`-shm` are left there (SQLite
     * does not delete them for an unlinked file) and would be read as the WAL of whatever is opened at
     * the path next — the old file's pages over the new file's, and a shared-memory file that an opener
     * truncates under the processes still mapping it (SIGBUS). Remove them; processes still on the
     * old file keep their open descriptors and are not disturbed.
     */
    const dropStale = Effect.sync(() => {
      const wal = removeIfStill(`${filename}-wal`, known.wal)
      const shm = removeIfStill(`${filename}-shm`, known.shm)
      known = { ...known, wal: undefined, shm: undefined }
      return wal || shm
    }).pipe(Effect.tap((removed) => (removed ? Effect.logInfo("ActivityStore.reopen: removed the replaced file's -wal/-shm").pipe(Effect.annotateLogs({ store: filename })) : Effect.void)))

    /**
     * Before every poll and every write: fails while the file is gone or its header is not SQLite's
     * (enforcing the last known state meanwhile); reopens — old connections closed first — when
     * another file is at the path, or the damaged one is usable again.
     */
    const slowCheck = lock.withPermits(1)(Effect.suspend((): Effect.Effect<void, StoreUnavailable> => {
      const inode = inodeOf(filename)
      if (inode === undefined) {
        // Let go of the deleted file at once: closed later, once another file is at the path, the last
        // connection to it would delete that file's `-wal`/`-shm` (they are found by name).
        return release.pipe(
          Effect.zipRight(dropStale),
          Effect.zipRight(Effect.fail(unavailable(`${filename} was deleted; enforcing the last known state until it comes back`)))
        )
      }
      const damagedFailure = (problem: string) =>
        unavailable(`${filename} is not a usable SQLite database: ${problem}; enforcing the last known state until it is restored`)
      if (current !== undefined && inode === current.inode) {
        // The file we are connected to, read through our own descriptor: a page cache cannot hide an overwrite.
        const problem = headerAt(current.fd)
        if (problem === undefined) return Effect.void
        damaged = problem
        // Let go of a damaged file: whatever is there once it reads as SQLite again is opened fresh and verified.
        return Effect.zipRight(
          Effect.zipRight(release, Effect.logWarning("ActivityStore.check: the store file is damaged").pipe(Effect.annotateLogs({ store: filename, problem }))),
          Effect.fail(damagedFailure(problem))
        )
      }
      return Effect.gen(function*() {
        // Close ours first: a connection to the replaced file next to one to the new file would share
        // (and on close delete) the `-wal`/`-shm` now at the path — SIGBUS and lost commits. Only
        // then is the file at the path read by path (see SqliteFile.ts).
        yield* release
        const problem = headerProblem(filename)
        if (problem !== undefined) {
          damaged = problem
          return yield* Effect.fail(damagedFailure(problem))
        }
        const reason = damaged !== undefined && inode === known.inode ? "restored" : "replaced"
        if (reason === "replaced") yield* dropStale
        const next = yield* open(true)
        current = next
        replaced = { previousId: known.id, currentId: next.id, reason }
        known = { inode: next.inode, id: next.id, wal: next.wal, shm: next.shm }
        damaged = undefined
        generation++
        yield* Effect.logWarning(`ActivityStore.reopen: the store file was ${reason}`).pipe(
          Effect.annotateLogs({ store: filename, previous_id: replaced.previousId ?? "unknown", current_id: next.id ?? "none" })
        )
      })
    }))

    /** When the file last passed `checkFile` (`performance.now()`), connected as `current` is now. */
    let checkedAt = Number.NEGATIVE_INFINITY
    /** The idle case, a `stat` and a 100-byte `pread` with no lock taken; anything else goes the slow way. */
    const checkFile = Effect.suspend(() => {
      if (current !== undefined && inodeOf(filename) === current.inode && headerAt(current.fd) === undefined) {
        checkedAt = performance.now()
        return Effect.void
      }
      return slowCheck
    })
    /** Whether `checkFile` passed less than `CHECK_COVERS_MS` ago, on the connection in use now. */
    const recentlyChecked = () => current !== undefined && performance.now() - checkedAt < CHECK_COVERS_MS
    const use = <A, R = never>(f: (store: ActivityStoreService) => Effect.Effect<A, StoreUnavailable, R>) =>
      Effect.suspend(() =>
        current === undefined
          ? Effect.fail(unavailable(damaged === undefined ? `${filename} is being reopened` : `${filename} is not a usable SQLite database: ${damaged}`))
          : f(current.store)
      )
    /**
     * Writes check the file first: a commit to a replaced (unlinked) or damaged file would be lost. Not again within
     * `CHECK_COVERS_MS` of a check that passed: a check costs 10–13 µs, a sixth of a transition at thousands a second
     * (docs/performance.md), and a commit that beats a delete or a restore by rename by a few milliseconds is lost
     * with the old file exactly as one made those milliseconds before it would be: checking more often protects
     * nothing more.
     */
    const write = <A>(f: (store: ActivityStoreService) => Effect.Effect<A, StoreUnavailable>) =>
      Effect.suspend(() => (recentlyChecked() ? f(current!.store) : Effect.zipRight(checkFile, use(f))))

    const service: ActivityStoreService = {
      describe,
      file: filename,
      identity: () => known.id,
      changeToken: Effect.zipRight(checkFile, use((s) => Effect.map(s.changeToken, (t) => `${generation}:${t}`))),
      snapshot: use((s) => Effect.tap(s.snapshot, () => {
        generationFed = generation
        replaced = undefined
      })),
      changesSince: (seq) =>
        use((s): Effect.Effect<ChangeBatch, StoreUnavailable> => {
          if (generationFed === generation) return s.changesSince(seq)
          // A reopened file: positions in the old feed mean nothing here, so hand over the whole state.
          return Effect.map(s.snapshot, (snapshot) => {
            const batch: ChangeBatch = { ...resetBatch(snapshot), replaced }
            generationFed = generation
            replaced = undefined
            return batch
          })
        }),
      get: (domain, key) => use((s) => s.get(domain, key)),
      list: (filter) => use((s) => s.list(filter)),
      listing: (filter, now) => use((s) => s.listing?.(filter, now) ?? Effect.succeed(null)),
      keys: (domain, length) => use((s) => s.keys(domain, length)),
      transition: (request) => write((s) => s.transition(request)),
      preview: (request) => use((s) => s.preview(request)),
      history: (filter) => use((s) => s.history(filter)),
      expireDue: write((s) => s.expireDue),
      publishInstance: (report) => write((s) => s.publishInstance(report)),
      removeInstance: (id) => use((s) => s.removeInstance(id)),
      instances: use((s) => s.instances)
    }
    return service
  })
