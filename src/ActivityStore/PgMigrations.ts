/**
 * The PostgreSQL schema of the ActivityStore, applied by `@effect/sql`'s Migrator into a schema of
 * its own (default `oneiric`), so one database can serve several apps. The tables mirror the SQLite
 * ones (epoch milliseconds in BIGINT, so both dialects share their row code); the change feed is fed
 * by a trigger that also NOTIFYs in the writing transaction, delivered at COMMIT, never on ROLLBACK.
 *
 * Twenty replicas may start at once: the whole migration is one transaction under an advisory lock,
 * so one migrates and the others wait and then find nothing to do.
 */
import * as Migrator from "@effect/sql/Migrator"
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"

/** Lower-case letters, digits and `_`: a name that needs no quoting anywhere and leaves room in a channel name. */
export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,47}$/
export const DEFAULT_SCHEMA = "oneiric"
export const MIGRATIONS_TABLE = "oneiric_migrations"

/** The NOTIFY channel of a schema's change feed (channels are per database: the schema keeps apps apart). */
export const changesChannel = (schema: string) => `oneiric_changes_${schema}`

const statements = (schema: string): ReadonlyArray<string> => {
  const s = `"${schema}"`
  return [
    `CREATE TABLE ${s}.activity (
      domain TEXT NOT NULL,
      key TEXT NOT NULL,
      paused BOOLEAN NOT NULL DEFAULT false,
      draining BOOLEAN NOT NULL DEFAULT false,
      note TEXT,
      updated_at BIGINT,
      updated_by TEXT,
      source TEXT,
      expires_at BIGINT,
      PRIMARY KEY (domain, key)
    )`,
    `CREATE INDEX activity_expiry ON ${s}.activity (expires_at) WHERE expires_at IS NOT NULL`,
    `CREATE TABLE ${s}.activity_history (
      seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      at BIGINT NOT NULL,
      domain TEXT NOT NULL,
      key TEXT NOT NULL,
      action TEXT NOT NULL,
      paused BOOLEAN NOT NULL,
      draining BOOLEAN NOT NULL,
      note TEXT,
      actor TEXT,
      source TEXT,
      expires_at BIGINT
    )`,
    `CREATE INDEX activity_history_key ON ${s}.activity_history (domain, key, seq)`,
    `CREATE TABLE ${s}.activity_changes (
      seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      domain TEXT NOT NULL,
      key TEXT NOT NULL
    )`,
    // Every change of a row — ours, or one made by hand in psql — lands in the feed and wakes the
    // listeners. The payload carries the feed position, the key and the row as it now is (null: gone),
    // so a follower at the position just before applies it without a query; one that is not, or a
    // payload too long for NOTIFY (only the position is sent then), reads the feed.
    `CREATE FUNCTION ${s}.activity_changed() RETURNS trigger LANGUAGE plpgsql AS $fn$
    DECLARE
      changed BIGINT;
      payload TEXT;
    BEGIN
      IF TG_OP = 'DELETE' THEN
        INSERT INTO ${s}.activity_changes (domain, key) VALUES (OLD.domain, OLD.key) RETURNING seq INTO changed;
        payload := json_build_object('seq', changed, 'domain', OLD.domain, 'key', OLD.key, 'row', NULL)::text;
      ELSE
        INSERT INTO ${s}.activity_changes (domain, key) VALUES (NEW.domain, NEW.key) RETURNING seq INTO changed;
        payload := json_build_object('seq', changed, 'domain', NEW.domain, 'key', NEW.key, 'row', row_to_json(NEW))::text;
      END IF;
      IF octet_length(payload) > 7900 THEN
        payload := json_build_object('seq', changed)::text;
      END IF;
      PERFORM pg_notify('${changesChannel(schema)}', payload);
      RETURN NULL;
    END
    $fn$`,
    `CREATE TRIGGER activity_changed AFTER INSERT OR UPDATE OR DELETE ON ${s}.activity
      FOR EACH ROW EXECUTE FUNCTION ${s}.activity_changed()`,
    `CREATE TABLE ${s}.oneiric_instances (
      id TEXT PRIMARY KEY,
      pid INTEGER NOT NULL,
      host TEXT NOT NULL,
      started_at BIGINT NOT NULL,
      heartbeat_at BIGINT NOT NULL,
      heartbeat_interval_ms INTEGER NOT NULL,
      applied_seq BIGINT NOT NULL,
      inflight TEXT NOT NULL
    )`
  ]
}

/** The migrations of `schema` (a list: a later version appends to it). */
export const pgMigrations = (schema: string) =>
  Migrator.fromRecord({
    "0001_activity_store": Effect.flatMap(SqlClient.SqlClient, (sql) => Effect.forEach(statements(schema), (text) => sql.unsafe(text), { discard: true }))
  })

/** The id of the newest migration: a store opened at an older version is migrated (or refused, without the rights). */
export const LATEST_PG_MIGRATION = 1

/**
 * Migrate `schema` to the newest version: the schema is created if missing, then every pending
 * migration runs in one transaction under an advisory lock (concurrent starters queue on it; the
 * Migrator's own table is created first, inside the lock, since its existence check would abort the
 * transaction). Returns the migrations applied (none when another process got there first).
 */
export const migratePg = (schema: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    return yield* sql.withTransaction(Effect.gen(function*() {
      yield* sql`SELECT pg_advisory_xact_lock(hashtextextended(${`${schema}.migrate`}, 0))`
      // Only when missing (inside the lock: concurrent CREATE SCHEMA IF NOT EXISTS can still collide): a role
      // that may not create schemas in the database can still migrate one made for it.
      const exists = yield* sql<{ found: number }>`SELECT 1 AS found FROM pg_namespace WHERE nspname = ${schema}`
      if (exists.length === 0) yield* sql.unsafe(`CREATE SCHEMA "${schema}"`)
      yield* sql.unsafe(`CREATE TABLE IF NOT EXISTS "${schema}".${MIGRATIONS_TABLE} (
        migration_id INTEGER PRIMARY KEY, created_at TIMESTAMPTZ NOT NULL DEFAULT now(), name TEXT NOT NULL)`)
      return yield* Migrator.make({})({ loader: pgMigrations(schema), table: `${schema}.${MIGRATIONS_TABLE}` })
    }))
  })

/** The schema's migration version (0: never migrated). */
export const pgSchemaVersion = (schema: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const [table] = yield* sql<{ present: boolean }>`SELECT to_regclass(${`"${schema}".${MIGRATIONS_TABLE}`}) IS NOT NULL AS present`
    if (table?.present !== true) return 0
    const [version] = yield* sql.unsafe<{ id: number | null }>(`SELECT MAX(migration_id) AS id FROM "${schema}".${MIGRATIONS_TABLE}`)
    return Number(version?.id ?? 0)
  })
