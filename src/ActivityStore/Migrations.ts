/**
 * SQLite schema, applied by `@effect/sql`'s Migrator (records bundle; the file-system loader does
 * not survive bundling). Migration 1 is the Python original's table as it created it, so a database
 * it wrote is adopted as is; everything after adds nullable columns and new tables only.
 */
import * as Migrator from "@effect/sql/Migrator"
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"

const columnNames = (sql: SqlClient.SqlClient, table: string) =>
  Effect.map(sql<{ name: string }>`SELECT name FROM pragma_table_info(${table})`, (rows) => new Set(rows.map((r) => r.name)))

export const migrations = Migrator.fromRecord({
  "0001_activity": Effect.flatMap(SqlClient.SqlClient, (sql) => sql`
    CREATE TABLE IF NOT EXISTS activity (
      domain TEXT NOT NULL,
      key TEXT NOT NULL,
      paused INTEGER NOT NULL DEFAULT 0,
      draining INTEGER NOT NULL DEFAULT 0,
      note TEXT,
      PRIMARY KEY (domain, key)
    )`),
  "0002_activity_metadata": Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const have = yield* columnNames(sql, "activity")
    for (const [name, type] of [["updated_at", "INTEGER"], ["updated_by", "TEXT"], ["source", "TEXT"], ["expires_at", "INTEGER"]]) {
      if (!have.has(name)) yield* sql.unsafe(`ALTER TABLE activity ADD COLUMN ${name} ${type}`)
    }
  }),
  "0003_history_and_changes": Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql`
      CREATE TABLE activity_history (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        domain TEXT NOT NULL,
        key TEXT NOT NULL,
        action TEXT NOT NULL,
        paused INTEGER NOT NULL,
        draining INTEGER NOT NULL,
        note TEXT,
        actor TEXT,
        source TEXT,
        expires_at INTEGER
      )`
    yield* sql`CREATE INDEX activity_history_key ON activity_history (domain, key, seq)`
    // The change feed is fed by triggers, so writes by the Python original (which knows nothing of
    // it) reach running supervisors too.
    yield* sql`CREATE TABLE activity_changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, domain TEXT NOT NULL, key TEXT NOT NULL)`
    yield* sql`CREATE TRIGGER activity_changes_insert AFTER INSERT ON activity BEGIN
      INSERT INTO activity_changes (domain, key) VALUES (NEW.domain, NEW.key); END`
    yield* sql`CREATE TRIGGER activity_changes_update AFTER UPDATE ON activity BEGIN
      INSERT INTO activity_changes (domain, key) VALUES (NEW.domain, NEW.key); END`
    yield* sql`CREATE TRIGGER activity_changes_delete AFTER DELETE ON activity BEGIN
      INSERT INTO activity_changes (domain, key) VALUES (OLD.domain, OLD.key); END`
    yield* sql`CREATE INDEX activity_expiry ON activity (expires_at) WHERE expires_at IS NOT NULL`
  }),
  "0004_instances": Effect.flatMap(SqlClient.SqlClient, (sql) => sql`
    CREATE TABLE oneiric_instances (
      id TEXT PRIMARY KEY,
      pid INTEGER NOT NULL,
      host TEXT NOT NULL,
      started_at INTEGER NOT NULL,
      heartbeat_at INTEGER NOT NULL,
      heartbeat_interval_ms INTEGER NOT NULL,
      applied_seq INTEGER NOT NULL,
      inflight TEXT NOT NULL
    )`)
})

/** The id of the newest migration: every opener waits until the store has it. */
export const LATEST_MIGRATION = 4

export const MIGRATIONS_TABLE = "oneiric_migrations"
