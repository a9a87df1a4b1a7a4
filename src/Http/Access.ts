/**
 * Who may do what over HTTP. Probes are open. Reads (the console's data: `/events`, `/activity`,
 * `/api/history`) are open on a loopback address and need the admin token elsewhere, unless the
 * `reads` setting says otherwise. Writes always need the token, and are closed (403) without one.
 *
 * The token is compared in constant time (SHA-256 of both sides, then `timingSafeEqual`). A browser's
 * `EventSource` cannot send an `Authorization` header, so `/events` also takes a ticket: an HMAC of
 * its expiry under the token, good for reads only and for `TICKET_TTL_MS`, so the token itself never
 * travels in a URL (or a proxy's log of one).
 */
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import type { AdminTokenSource, HttpReads } from "../Domain/Config.js"
import { ConfigError, errorMessage } from "../Domain/Errors.js"

/** A token shorter than this is refused at start: it would be guessable. */
export const MIN_TOKEN_LENGTH = 16

/** How long an `/events` ticket opens a stream (a stream already open stays open). */
export const TICKET_TTL_MS = 10 * 60_000

export interface AccessPolicy {
  /** The admin token, or null: the write API is closed and the console read-only. */
  readonly token: Redacted.Redacted<string> | null
  /** Do reads need the token (or a ticket)? */
  readonly readsNeedToken: boolean
}

/** 127.0.0.0/8, ::1 and `localhost`: only this host can connect. */
export const isLoopback = (host: string): boolean => {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, "")
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || /^::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)
}

export const readsNeedToken = (reads: HttpReads, host: string): boolean => reads === "token" || (reads === "auto" && !isLoopback(host))

/** Reads the token from where the configuration says it is; a configured token that cannot be used stops `run` (exit 2). */
export const loadAdminToken = (
  source: AdminTokenSource,
  env: Readonly<Record<string, string | undefined>>
): Effect.Effect<Redacted.Redacted<string> | null, ConfigError> =>
  Effect.suspend(() => {
    if (source.from === "none") return Effect.succeed(null)
    const where = source.from === "env" ? "ONEIRIC_ADMIN_TOKEN" : `admin token file ${source.file}`
    let value: string
    if (source.from === "env") value = env["ONEIRIC_ADMIN_TOKEN"] ?? ""
    else {
      try {
        value = fs.readFileSync(source.file ?? "", "utf8")
      } catch (error) {
        return Effect.fail(new ConfigError({ message: `cannot read the ${where}: ${errorMessage(error)}` }))
      }
    }
    // A secret file usually ends with a newline; spaces around a token are never part of it.
    const token = value.trim()
    if (token.length < MIN_TOKEN_LENGTH) {
      return Effect.fail(new ConfigError({ message: `the ${where} is ${token.length === 0 ? "empty" : "too short"}: an admin token needs at least ${MIN_TOKEN_LENGTH} characters` }))
    }
    return Effect.succeed(Redacted.make(token))
  })

const digest = (text: string) => crypto.createHash("sha256").update(text, "utf8").digest()

/** Does `given` equal the token? Constant time whatever the lengths. */
export const tokenMatches = (token: Redacted.Redacted<string>, given: string): boolean =>
  crypto.timingSafeEqual(digest(Redacted.value(token)), digest(given))

/** The token of an `Authorization: Bearer …` header, or undefined. */
export const bearerOf = (authorization: string | undefined): string | undefined => {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? "")
  return match?.[1]
}

const mac = (token: Redacted.Redacted<string>, expiresAt: number) =>
  crypto.createHmac("sha256", Redacted.value(token)).update(`oneiric-events-ticket:${expiresAt}`).digest("base64url")

/** A ticket for `/events`: `<expiry ms>.<HMAC>`. It proves the holder had the token until the expiry. */
export const issueTicket = (token: Redacted.Redacted<string>, nowMs: number): string => {
  const expiresAt = nowMs + TICKET_TTL_MS
  return `${expiresAt}.${mac(token, expiresAt)}`
}

export const ticketValid = (token: Redacted.Redacted<string>, ticket: string, nowMs: number): boolean => {
  const match = /^(\d{1,15})\.([A-Za-z0-9_-]{43})$/.exec(ticket)
  if (match === null) return false
  const expiresAt = Number(match[1])
  if (expiresAt <= nowMs || expiresAt > nowMs + TICKET_TTL_MS) return false
  return crypto.timingSafeEqual(Buffer.from(mac(token, expiresAt)), Buffer.from(match[2]!))
}

/** The outcome of an access check: allowed, or the status and message to answer with. */
export type Verdict =
  | { readonly _tag: "Allowed"; readonly authenticated: boolean }
  | { readonly _tag: "Denied"; readonly status: 401 | 403; readonly tag: "Unauthorized" | "Forbidden"; readonly message: string }

const allowed = (authenticated: boolean): Verdict => ({ _tag: "Allowed", authenticated })
const forbidden = (message: string): Verdict => ({ _tag: "Denied", status: 403, tag: "Forbidden", message })
const unauthorized = (message: string): Verdict => ({ _tag: "Denied", status: 401, tag: "Unauthorized", message })

export interface Credentials {
  /** The `Authorization` header. */
  readonly authorization: string | undefined
  /** An `/events` ticket (`?ticket=`), for reads only. */
  readonly ticket?: string | undefined
  readonly nowMs: number
}

const NO_TOKEN_HINT = "set ONEIRIC_ADMIN_TOKEN or [runtime.http] admin_token_file"

/** An `Authorization` header's verdict: the right token, a wrong one (401), or none configured (403). */
const checkBearer = (policy: AccessPolicy, authorization: string): Verdict => {
  const given = bearerOf(authorization)
  if (given === undefined) return unauthorized("the Authorization header must be `Bearer <admin token>`")
  if (policy.token === null) return forbidden(`no admin token is configured on this server (${NO_TOKEN_HINT})`)
  return tokenMatches(policy.token, given) ? allowed(true) : unauthorized("wrong admin token")
}

export const checkWrite = (policy: AccessPolicy, credentials: Credentials): Verdict => {
  if (policy.token === null) return forbidden(`the write API is closed: no admin token is configured on this server (${NO_TOKEN_HINT})`)
  return credentials.authorization === undefined
    ? unauthorized("an admin token is required: Authorization: Bearer <token>")
    : checkBearer(policy, credentials.authorization)
}

export const checkRead = (policy: AccessPolicy, credentials: Credentials): Verdict => {
  if (credentials.authorization !== undefined) {
    const bearer = checkBearer(policy, credentials.authorization)
    // A wrong token is refused wherever it is sent (the page learns its token is wrong); with no
    // token configured a header proves nothing either way, and the rules below decide.
    if (bearer._tag === "Allowed" || bearer.status === 401) return bearer
  }
  if (!policy.readsNeedToken) return allowed(false)
  if (policy.token === null) {
    return forbidden(`reads need the admin token on this address and none is configured (${NO_TOKEN_HINT}, or open them with [runtime.http] reads = "open")`)
  }
  if (credentials.ticket !== undefined) {
    return ticketValid(policy.token, credentials.ticket, credentials.nowMs) ? allowed(true) : unauthorized("the events ticket is invalid or expired")
  }
  return unauthorized("this server needs the admin token for reads: Authorization: Bearer <token>")
}
