/**
 * The PostgreSQL ActivityStore: one shared store for every replica of a service. A connection pool
 * of our own (so the pool's options are ours: timeouts, keep-alive, the schema on every connection,
 * BIGINT as numbers) under `@effect/sql-pg`, the schema migrated on open when it is behind (or
 * refused with a clear message when this role may not), the portable store over the PostgreSQL
 * dialect, and a LISTEN connection for whoever follows the store's signals.
 *
 * Loaded on demand (ActivityStore.layerPostgres imports this module dynamically), so processes on
 * the SQLite store never load `pg`.
 */
import * as PgClient from "@effect/sql-pg/PgClient"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import pg from "pg"
import { redactUrl } from "../Domain/Config.js"
import { causeMessage, StoreUnavailable } from "../Domain/Errors.js"
import type { PostgresOptions } from "../Domain/Store.js"
import { makePgDialect } from "./PgDialect.js"
import { listen } from "./PgListener.js"
import { changesChannel, DEFAULT_SCHEMA, LATEST_PG_MIGRATION, migratePg, pgSchemaVersion, SCHEMA_NAME } from "./PgMigrations.js"
import { makeSqlStore } from "./SqlStore.js"

export interface PostgresTarget {
  /** The URL for node-postgres (our `schema` parameter removed). */
  readonly connectionString: string
  readonly schema: string
  /** The URL as given, password masked: what messages, logs and reports show. */
  readonly describe: string
  /** Masks the password in any message (errors may quote the URL). */
  readonly mask: (message: string) => string
}

const SCHEMA_PARAM = /([?&])schema=([^&#]*)&?/

/** Reads the URL: our own parameter out, the rest left for node-postgres. */
export const postgresTarget = (options: PostgresOptions): Effect.Effect<PostgresTarget, StoreUnavailable> =>
  Effect.suspend(() => {
    const describe = redactUrl(options.url)
    const found = SCHEMA_PARAM.exec(options.url)
    const fromUrl = found === null ? undefined : decodeURIComponent(found[2]!)
    const schema = options.schema ?? fromUrl ?? DEFAULT_SCHEMA
    if (!SCHEMA_NAME.test(schema)) {
      return Effect.fail(new StoreUnavailable({
        store: describe,
        message: `invalid schema ${JSON.stringify(schema)} for ${describe}: lower-case letters, digits and _, at most 48, not starting with a digit`
      }))
    }
    const withoutSchema = found === null ? options.url : options.url.replace(SCHEMA_PARAM, (_, lead: string) => lead).replace(/[?&]$/, "")
    const connectionString = inSchema(withoutSchema, schema)
    const password = passwordOf(options.url)
    const mask = (message: string) => {
      const masked = redactUrl(message)
      return password !== undefined && password.length >= 4 ? masked.split(password).join("***") : masked
    }
    return Effect.succeed({ connectionString, schema, describe, mask })
  })

/**
 * Every connection works in our schema (the queries name tables without it, like on SQLite): a
 * `-c search_path=…` startup option, after any `options` the URL has (the URL's parameters win over
 * node-postgres's config fields, so it has to go into the URL; the last `-c` of a setting wins).
 */
const inSchema = (url: string, schema: string) => {
  const option = `-c%20search_path%3D${schema}`
  if (/[?&]options=/.test(url)) return url.replace(/([?&]options=)([^&#]*)/, (_, key: string, value: string) => `${key}${value}%20${option}`)
  const hash = url.indexOf("#")
  const [base, fragment] = hash === -1 ? [url, ""] : [url.slice(0, hash), url.slice(hash)]
  return `${base}${base.includes("?") ? "&" : "?"}options=${option}${fragment}`
}

const passwordOf = (url: string): string | undefined => {
  const match = /^[a-z][a-z0-9+.-]*:\/\/[^:/@?#]*:([^@/?#]*)@/i.exec(url)
  if (match === null) return undefined
  try {
    return decodeURIComponent(match[1]!)
  } catch {
    return match[1]
  }
}

const INT8_OID = 20

/** BIGINT (epoch milliseconds, feed positions, counts) as numbers, for this pool only (not pg's global parsers). */
const types = (() => {
  const overrides = new pg.TypeOverrides()
  overrides.setTypeParser(INT8_OID, (value: string) => Number(value))
  return overrides
})()

/** The connection settings the pool and the LISTEN connection share; the URL's own parameters win over these. */
export const clientConfig = (target: PostgresTarget, options: PostgresOptions, applicationName: string): pg.ClientConfig => ({
  connectionString: target.connectionString,
  application_name: applicationName,
  connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
  query_timeout: options.queryTimeoutMs ?? 15_000,
  keepAlive: true,
  keepAliveInitialDelayMillis: 10_000,
  types
})

const makePool = (target: PostgresTarget, options: PostgresOptions) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const pool = new pg.Pool({
        ...clientConfig(target, options, "oneiric-supervisor"),
        max: options.maxConnections ?? 4,
        idleTimeoutMillis: 30_000
      })
      // A pooled connection the server dropped (a restart, pg_terminate_backend) is replaced on next
      // use; without a listener its error event would end the process.
      pool.on("error", () => undefined)
      return pool
    }),
    (pool) => Effect.promise(() => pool.end().catch(() => undefined)).pipe(Effect.timeoutOption(1_000))
  )

/** `@effect/sql-pg`'s SqlClient over our pool (the pool's lifetime is the caller's). */
const clientOver = (pool: pg.Pool) => PgClient.layerFromPool({ acquire: Effect.succeed(pool), applicationName: "oneiric-supervisor", types })

const unavailable = (target: PostgresTarget, what: string) => (cause: Cause.Cause<unknown>) =>
  new StoreUnavailable({ store: target.describe, message: target.mask(`${what} ${target.describe}: ${causeMessage(cause)}`) })

/**
 * Brings the schema to the newest version, unless it is there already (then nothing needs more than
 * read/write rights on its tables). Returns the migrations applied.
 */
export const ensureSchema = (target: PostgresTarget) =>
  Effect.gen(function*() {
    const version = yield* pgSchemaVersion(target.schema)
    if (version >= LATEST_PG_MIGRATION) return []
    return yield* migratePg(target.schema).pipe(
      Effect.catchAllCause((cause) =>
        Effect.fail(new StoreUnavailable({
          store: target.describe,
          message: target.mask(
            `cannot migrate schema ${target.schema} of ${target.describe} (at version ${version}, this version needs ${LATEST_PG_MIGRATION}): ` +
              `${causeMessage(cause)}; run \`oneiric migrate\` with a role that may create tables in it`
          )
        }))
      )
    )
  })

/** `oneiric migrate`: migrates the schema now (the store itself would on open, given the rights). */
export const migratePostgres = (options: PostgresOptions) =>
  Effect.gen(function*() {
    const target = yield* postgresTarget(options)
    const run = Effect.gen(function*() {
      const applied = yield* migratePg(target.schema)
      const version = yield* pgSchemaVersion(target.schema)
      return { store: target.describe, schema: target.schema, version, applied: applied.map(([id, name]) => `${String(id).padStart(4, "0")}_${name}`) }
    })
    const built = Effect.flatMap(makePool(target, options), (pool) => Layer.build(clientOver(pool)))
    return yield* Effect.scoped(Effect.flatMap(built, (context) => Effect.provide(run, context))).pipe(
      Effect.catchAllCause((cause) => Effect.fail(unavailable(target, "cannot migrate")(cause)))
    )
  })

export const makePostgresStore = (options: PostgresOptions) =>
  Effect.gen(function*() {
    const target = yield* postgresTarget(options)
    const pool = yield* makePool(target, options)
    const context = yield* Layer.build(clientOver(pool)).pipe(Effect.catchAllCause((c) => Effect.fail(unavailable(target, "cannot connect to")(c))))
    const open = Effect.gen(function*() {
      yield* ensureSchema(target).pipe(Effect.catchTag("SqlError", (e) => Effect.fail(unavailable(target, "cannot open")(Cause.fail(e)))))
      const signals = listen({
        client: clientConfig(target, options, "oneiric-supervisor-listen"),
        channel: changesChannel(target.schema),
        mask: target.mask
      })
      return yield* makeSqlStore(makePgDialect({ schema: target.schema, describe: target.describe, pool, signals }))
    })
    return yield* Effect.provide(open, context)
  })
