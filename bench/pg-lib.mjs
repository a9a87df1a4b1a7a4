// Shared by the PostgreSQL benchmarks (not a benchmark itself): which server, a throwaway database per run.
//
// The server: ONEIRIC_BENCH_PG_URL, else ONEIRIC_TEST_PG_URL, else postgres://postgres@127.0.0.1:5432/postgres. Every
// run creates its own database (oneiric_bench_<pid>_<random>) and drops it at exit. Without a server a script prints
// `{ "skipped": "<why>" }` and exits 0, and bench/run.mjs reports the figures as skipped.
import crypto from "node:crypto"
import pg from "pg"

export const adminUrl = process.env.ONEIRIC_BENCH_PG_URL || process.env.ONEIRIC_TEST_PG_URL || "postgres://postgres@127.0.0.1:5432/postgres"

const withClient = async (url, f) => {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 })
  client.on("error", () => undefined)
  await client.connect()
  try {
    return await f(client)
  } finally {
    await client.end().catch(() => undefined)
  }
}

const urlOf = (database) => {
  const url = new URL(adminUrl)
  url.pathname = `/${database}`
  url.search = ""
  return url.toString()
}

/** A fresh database for this run (dropped at exit), or `{ skipped }` when no server answers. */
export const benchDatabase = async (label) => {
  try {
    await withClient(adminUrl, (c) => c.query("SELECT 1"))
  } catch (error) {
    return { skipped: `no PostgreSQL at ${adminUrl} (${error.message}); set ONEIRIC_BENCH_PG_URL` }
  }
  const name = `oneiric_bench_${label}_${process.pid}_${crypto.randomBytes(3).toString("hex")}`
  await withClient(adminUrl, (c) => c.query(`CREATE DATABASE "${name}"`))
  const drop = () => withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).catch(() => undefined)
  return { name, url: urlOf(name), drop }
}

/** Prints the skip as the script's JSON (or text) and exits 0. */
export const skip = (flags, bench, reason) => {
  process.stdout.write(flags.json ? JSON.stringify({ bench, skipped: reason }) + "\n" : `${bench}: skipped: ${reason}\n`)
  process.exit(0)
}
