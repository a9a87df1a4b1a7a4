/**
 * The PostgreSQL the tests run against: `ONEIRIC_TEST_PG_URL` (default: the local server,
 * `postgres://postgres@127.0.0.1:5432/postgres`). Every test file gets a database of its own, dropped
 * afterwards, so runs never collide; inside it every store gets a schema of its own.
 *
 * Without a server the PostgreSQL suites are skipped with a message naming ONEIRIC_TEST_PG_URL —
 * except under CI (`CI` set), where a missing server fails the run: a skipped suite must never pass
 * for a green one there.
 */
import { afterAll, beforeAll, describe } from "@effect/vitest"
import * as crypto from "node:crypto"
import pg from "pg"

export const PG_URL_VARIABLE = "ONEIRIC_TEST_PG_URL"
const adminUrl = process.env[PG_URL_VARIABLE] || "postgres://postgres@127.0.0.1:5432/postgres"

const probe = async (): Promise<string | null> => {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3_000 })
  client.on("error", () => undefined)
  try {
    await client.connect()
    await client.query("SELECT 1")
    return null
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  } finally {
    await client.end().catch(() => undefined)
  }
}

const unreachable = await probe()
if (unreachable !== null && process.env["CI"]) {
  throw new Error(`PostgreSQL is required under CI but ${adminUrl} does not answer (${unreachable}); set ${PG_URL_VARIABLE}`)
}
if (unreachable !== null) {
  process.stderr.write(
    `\n*** PostgreSQL tests SKIPPED: no server at ${adminUrl} (${unreachable}).\n*** Set ${PG_URL_VARIABLE}=postgres://user@host:5432/db to run them.\n\n`
  )
}

/** Is a server there? */
export const pgAvailable = unreachable === null

/** `describe`, or a skipped one that says why in its name. */
export const describePg = (name: string, body: () => void) =>
  pgAvailable ? describe(name, body) : describe.skip(`${name} (skipped: no PostgreSQL; set ${PG_URL_VARIABLE})`, body)

const withAdmin = async <A>(f: (client: pg.Client) => Promise<A>): Promise<A> => {
  const client = new pg.Client({ connectionString: adminUrl })
  client.on("error", () => undefined)
  await client.connect()
  try {
    return await f(client)
  } finally {
    await client.end().catch(() => undefined)
  }
}

const urlOf = (database: string) => {
  const url = new URL(adminUrl)
  url.pathname = `/${database}`
  url.search = ""
  return url.toString()
}

let schemas = 0

/**
 * A database for this test file (created before its tests, dropped after them). `url()` is its URL;
 * `store()` a fresh schema's URL in it (`?schema=tN`), for one store that shares nothing with the others.
 */
export const pgDatabase = () => {
  const name = `oneiric_test_${process.pid}_${crypto.randomBytes(4).toString("hex")}`
  beforeAll(async () => {
    if (pgAvailable) await withAdmin((c) => c.query(`CREATE DATABASE "${name}"`))
  })
  afterAll(async () => {
    if (pgAvailable) await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`))
  })
  const url = () => urlOf(name)
  return {
    name,
    url,
    store: (schema = `t${++schemas}`) => `${url()}?schema=${schema}`,
    /** Runs `sql` on this database as the admin user. */
    query: async <R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, values?: ReadonlyArray<unknown>) => {
      const client = new pg.Client({ connectionString: url() })
      client.on("error", () => undefined)
      await client.connect()
      try {
        return (await client.query<R>(sql, values as Array<unknown> | undefined)).rows
      } finally {
        await client.end().catch(() => undefined)
      }
    }
  }
}

/** Runs `sql` on the admin database (roles are cluster-wide). */
export const adminQuery = (sql: string) => withAdmin((c) => c.query(sql))

/**
 * A TCP proxy in front of the test server, to take the database away and give it back: `cut()`
 * drops every connection and refuses new ones (as a database restart does), `restore()` accepts again
 * on the same port.
 */
export const tcpProxy = async () => {
  const net = await import("node:net")
  const target = new URL(adminUrl)
  const sockets = new Set<import("node:net").Socket>()
  const handle = (client: import("node:net").Socket) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname)
    sockets.add(client)
    sockets.add(upstream)
    const close = () => {
      client.destroy()
      upstream.destroy()
      sockets.delete(client)
      sockets.delete(upstream)
    }
    client.on("error", close).on("close", close)
    upstream.on("error", close).on("close", close)
    client.pipe(upstream).pipe(client)
  }
  let server = net.createServer(handle)
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as import("node:net").AddressInfo).port
  return {
    port,
    /** `url` (of the test server) through the proxy. */
    via: (url: string) => {
      const u = new URL(url)
      u.port = String(port)
      return u.toString()
    },
    cut: async () => {
      for (const socket of sockets) socket.destroy()
      sockets.clear()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
    restore: async () => {
      server = net.createServer(handle)
      await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve))
    },
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}
