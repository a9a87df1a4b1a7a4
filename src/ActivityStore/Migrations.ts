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

/**
 * Present (one row) while this project writes: set first and cleared last inside each of its write
 * transactions, so triggers can tell its writes from anyone else's. The write lock makes it
 * per-transaction; a transaction that fails takes it back with everything else.
 */
export const WRITING_TABLE = "oneiric_writing"

/** One row: the store's id (see `0007_store_identity`). */
export const IDENTITY_TABLE = "oneiric_store"

/** Now in epoch milliseconds, in SQL any SQLite the original may link (no `unixepoch('subsec')`). */
const NOW_MS = "CAST(ROUND((julianday('now') - 2440587.5) * 86400000) AS INTEGER)"

/** The action a write by the original amounts to, from the flags before (`OLD`, if any) and after. */
const legacyAction = (before: "OLD" | null) => {
  if (before === null) return "CASE WHEN NEW.paused THEN 'pause' WHEN NEW.draining THEN 'drain' ELSE 'note' END"
  return `CASE
    WHEN NEW.paused AND NOT ${before}.paused THEN 'pause'
    WHEN NEW.draining AND NOT ${before}.draining THEN 'drain'
    WHEN ${before}.paused AND NOT NEW.paused THEN 'clear-pause'
    WHEN ${before}.draining AND NOT NEW.draining THEN 'clear-drain'
    WHEN NEW.paused THEN 'pause'
    WHEN NEW.draining THEN 'drain'
    ELSE 'note' END`
}

/** Attribute NEW (just written by the original) as the original's, clear its expiry, and record it. */
const attributeNew = (action: string) => `
  UPDATE activity SET updated_at = ${NOW_MS}, updated_by = NULL, source = 'legacy', expires_at = NULL
    WHERE domain = NEW.domain AND key = NEW.key;
  INSERT INTO activity_history (at, domain, key, action, paused, draining, note, actor, source, expires_at)
    VALUES (${NOW_MS}, NEW.domain, NEW.key, ${action}, NEW.paused, NEW.draining, NEW.note, NULL, 'legacy', NULL);`

/**
 * Writes by the Python original (or any other tool), which knows only the five columns `domain, key,
 * paused, draining, note`: without these triggers such a write kept the previous write's expiry (so
 * an indefinite pause by the original was dropped at the old expiry), inherited its actor and source,
 * and never reached the history. Now it clears the expiry, is attributed `source = 'legacy'` with no
 * actor, and is recorded in the history. This project's own writes hold `oneiric_writing` and are
 * left alone. The fix-up UPDATE names only the new columns, so it does not fire the UPDATE trigger
 * (which watches the original's columns) again.
 */
const legacyAttribution = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const notOurs = `NOT EXISTS (SELECT 1 FROM ${WRITING_TABLE})`
  yield* sql.unsafe(`CREATE TABLE ${WRITING_TABLE} (writing INTEGER PRIMARY KEY)`)
  yield* sql.unsafe(`CREATE TRIGGER activity_legacy_insert AFTER INSERT ON activity WHEN ${notOurs} BEGIN ${attributeNew(legacyAction(null))} END`)
  // A write that leaves flags and note as they were changes nothing, unless it clears an expiry.
  yield* sql.unsafe(`CREATE TRIGGER activity_legacy_update AFTER UPDATE OF paused, draining, note ON activity
    WHEN ${notOurs} AND (OLD.paused IS NOT NEW.paused OR OLD.draining IS NOT NEW.draining OR OLD.note IS NOT NEW.note OR OLD.expires_at IS NOT NULL)
    BEGIN ${attributeNew(legacyAction("OLD"))} END`)
  yield* sql.unsafe(`CREATE TRIGGER activity_legacy_delete AFTER DELETE ON activity WHEN ${notOurs} BEGIN
    INSERT INTO activity_history (at, domain, key, action, paused, draining, note, actor, source, expires_at)
      VALUES (${NOW_MS}, OLD.domain, OLD.key, 'resume', 0, 0, NULL, NULL, 'legacy', NULL);
    END`)
})

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
    )`),
  "0006_legacy_attribution": legacyAttribution,
  // The store's identity: a random id given once, when the store is created (or first opened by this
  // version). A backup made with SQLite's backup API or a file copy keeps it, so a running process can
  // tell a restored backup of its store (same id) from a different store put in its place.
  "0007_store_identity": Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql.unsafe(`CREATE TABLE ${IDENTITY_TABLE} (id TEXT NOT NULL PRIMARY KEY, created_at INTEGER NOT NULL)`)
    yield* sql.unsafe(`INSERT INTO ${IDENTITY_TABLE} (id, created_at) VALUES (lower(hex(randomblob(16))), ${NOW_MS})`)
  })
})

/** The id of the newest migration: every opener waits until the store has it. */
export const LATEST_MIGRATION = 7

export const MIGRATIONS_TABLE = "oneiric_migrations"
