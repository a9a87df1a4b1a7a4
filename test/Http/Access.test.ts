/** The access rules and the admin token: loopback, the verdict matrix, tickets, loading the token. */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Redacted from "effect/Redacted"
import * as fs from "node:fs"
import * as path from "node:path"
import { AdminTokenSource } from "../../src/Domain/Config.js"
import {
  bearerOf, checkRead, checkWrite, isLoopback, issueTicket, loadAdminToken, readsNeedToken, TICKET_TTL_MS, ticketValid, tokenMatches
} from "../../src/Http/Access.js"
import type { AccessPolicy, Verdict } from "../../src/Http/Access.js"
import { tempDir } from "../helpers.js"

const TOKEN = Redacted.make("s3cret-admin-token-xyz")
const NOW = 1_800_000_000_000

const outcome = (verdict: Verdict) => (verdict._tag === "Allowed" ? `allowed${verdict.authenticated ? "+auth" : ""}` : String(verdict.status))

describe("HTTP access", () => {
  it("loopback addresses, and when reads need the token", () => {
    for (const host of ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "LOCALHOST", "::ffff:127.0.0.1"]) expect([host, isLoopback(host)]).toEqual([host, true])
    for (const host of ["0.0.0.0", "::", "10.0.0.5", "192.168.1.1", "example.com", "128.0.0.1", "1270.0.0.1"]) expect([host, isLoopback(host)]).toEqual([host, false])
    expect([readsNeedToken("auto", "127.0.0.1"), readsNeedToken("auto", "0.0.0.0"), readsNeedToken("open", "0.0.0.0"), readsNeedToken("token", "127.0.0.1")])
      .toEqual([false, true, false, true])
  })

  it("the token compares whole and exact; Bearer is parsed strictly", () => {
    expect(tokenMatches(TOKEN, "s3cret-admin-token-xyz")).toBe(true)
    for (const wrong of ["", "s3cret-admin-token-xy", "s3cret-admin-token-xyzz", "S3CRET-ADMIN-TOKEN-XYZ"]) expect(tokenMatches(TOKEN, wrong)).toBe(false)
    expect([bearerOf("Bearer abc"), bearerOf("bearer abc"), bearerOf("Bearer  abc "), bearerOf("Basic abc"), bearerOf("Bearer"), bearerOf("Bearer a b"), bearerOf(undefined)])
      .toEqual(["abc", "abc", "abc", undefined, undefined, undefined, undefined])
  })

  it("who may read and write: with and without a token, on loopback and elsewhere", () => {
    const policies: ReadonlyArray<readonly [string, AccessPolicy]> = [
      ["loopback, token", { token: TOKEN, readsNeedToken: false }],
      ["loopback, none", { token: null, readsNeedToken: false }],
      ["public, token", { token: TOKEN, readsNeedToken: true }],
      ["public, none", { token: null, readsNeedToken: true }]
    ]
    const credentials = {
      nothing: { authorization: undefined },
      right: { authorization: "Bearer s3cret-admin-token-xyz" },
      wrong: { authorization: "Bearer nope" },
      ticket: { authorization: undefined, ticket: issueTicket(TOKEN, NOW) }
    }
    const table = policies.map(([name, policy]) => [
      name,
      ...Object.values(credentials).map((c) => `${outcome(checkRead(policy, { ...c, nowMs: NOW }))}/${outcome(checkWrite(policy, { ...c, nowMs: NOW }))}`)
    ])
    // Columns: nothing, right token, wrong token, ticket — each "read/write".
    expect(table).toEqual([
      ["loopback, token", "allowed/401", "allowed+auth/allowed+auth", "401/401", "allowed/401"],
      ["loopback, none", "allowed/403", "allowed/403", "allowed/403", "allowed/403"],
      ["public, token", "401/401", "allowed+auth/allowed+auth", "401/401", "allowed+auth/401"],
      ["public, none", "403/403", "403/403", "403/403", "403/403"]
    ])
  })

  it("a ticket is good for its lifetime, under its token only, and cannot be altered", () => {
    const ticket = issueTicket(TOKEN, NOW)
    expect(ticketValid(TOKEN, ticket, NOW + TICKET_TTL_MS - 1)).toBe(true)
    expect(ticketValid(TOKEN, ticket, NOW + TICKET_TTL_MS)).toBe(false)
    expect(ticketValid(Redacted.make("another-admin-token-abc"), ticket, NOW)).toBe(false)
    const [expiry, mac] = ticket.split(".")
    expect(ticketValid(TOKEN, `${Number(expiry) + 1000}.${mac}`, NOW)).toBe(false)
    const altered = `${mac!.startsWith("A") ? "B" : "A"}${mac!.slice(1)}`
    expect(ticketValid(TOKEN, `${expiry}.${altered}`, NOW)).toBe(false)
    // Minted far in the future (the token leaked and someone forged expiries): refused.
    expect(ticketValid(TOKEN, issueTicket(TOKEN, NOW + 10 * TICKET_TTL_MS), NOW)).toBe(false)
    expect(ticketValid(TOKEN, "garbage", NOW)).toBe(false)
  })

  it.effect("the token from ONEIRIC_ADMIN_TOKEN or a file (trimmed); unusable ones stop the start", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const file = path.join(dir, "token")
      fs.writeFileSync(file, "from-a-mounted-secret-123\n")
      const fromFile = yield* loadAdminToken(new AdminTokenSource({ from: "file", file }), {})
      expect(Redacted.value(fromFile!)).toBe("from-a-mounted-secret-123")
      const fromEnv = yield* loadAdminToken(new AdminTokenSource({ from: "env", file: null }), { ONEIRIC_ADMIN_TOKEN: "  from-the-environment-1  " })
      expect(Redacted.value(fromEnv!)).toBe("from-the-environment-1")
      expect(yield* loadAdminToken(new AdminTokenSource({ from: "none", file: null }), { ONEIRIC_ADMIN_TOKEN: "ignored-because-none-123" })).toBeNull()
      fs.writeFileSync(path.join(dir, "short"), "short\n")
      const failures = [
        [new AdminTokenSource({ from: "file", file: path.join(dir, "missing") }), /cannot read the admin token file .*missing/],
        [new AdminTokenSource({ from: "file", file: path.join(dir, "short") }), /is too short: an admin token needs at least 16 characters/],
        [new AdminTokenSource({ from: "env", file: null }), /ONEIRIC_ADMIN_TOKEN is empty/]
      ] as const
      for (const [source, message] of failures) {
        const exit = yield* Effect.exit(loadAdminToken(source, {}))
        expect(Exit.isFailure(exit)).toBe(true)
        if (Exit.isFailure(exit)) expect(JSON.stringify(exit.cause)).toMatch(message)
      }
    }))
})
