/**
 * The HTTP API at the request level, in process over a memory store: probes, 404/405, the write API
 * (token rules, the CLI's TransitionReport, 400 with the ErrorReport), the reads and who may make
 * them on which address, the security headers.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { ActivityQuery } from "../../src/ActivityQuery.js"
import { ErrorReport, HistoryReport, TransitionReport } from "../../src/Domain/Report.js"
import { Supervisor } from "../../src/Supervisor.js"
import { bearer, postJson, request, startServer, TOKEN } from "./harness.js"

const decodeReport = Schema.decodeUnknownSync(TransitionReport)
const decodeError = Schema.decodeUnknownSync(ErrorReport)

const pause = { action: "pause", domain: "task", key: "report.daily", note: "incident 42", by: "alice" }

describe("HTTP probes and routing", () => {
  it.live("probes are open; other methods are 405 with Allow; HEAD answers headers only; unknown paths 404", () =>
    Effect.scoped(Effect.gen(function*() {
      const { base } = yield* startServer({ token: TOKEN })
      expect((yield* request(`${base}/healthz`)).json()).toMatchObject({ status: "ok", pid: process.pid })
      const ready = yield* request(`${base}/readyz?verbose`)
      expect(ready.status).toBe(200)
      expect(ready.json().checks).toEqual(expect.arrayContaining([expect.objectContaining({ name: "supervisor", ok: true })]))
      expect((yield* request(`${base}/metrics`)).text).toMatch(/^# HELP oneiric_activity_keys/m)
      for (const path of ["/healthz", "/readyz", "/metrics"]) {
        for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
          const answer = yield* request(`${base}${path}`, { method })
          expect([path, method, answer.status, answer.headers.get("allow")]).toEqual([path, method, 405, "GET, HEAD"])
          expect(decodeError(answer.json()).error.tag).toBe("MethodNotAllowed")
        }
      }
      const head = yield* request(`${base}/healthz`, { method: "HEAD" })
      expect([head.status, head.text]).toEqual([200, ""])
      expect((yield* request(`${base}/nope`)).status).toBe(404)
    })))

  it.live("every response carries a strict Content-Security-Policy and the hardening headers", () =>
    Effect.scoped(Effect.gen(function*() {
      const { base } = yield* startServer()
      for (const path of ["/", "/console/app.js", "/console/app.css", "/healthz", "/api/access", "/nope"]) {
        const answer = yield* request(`${base}${path}`)
        const csp = answer.headers.get("content-security-policy") ?? ""
        expect(csp).toContain("default-src 'self'")
        expect(csp).toContain("script-src 'self'")
        expect(csp).toContain("style-src 'self'")
        expect(csp).not.toContain("unsafe-inline")
        expect(answer.headers.get("x-content-type-options")).toBe("nosniff")
        expect(answer.headers.get("x-frame-options")).toBe("DENY")
      }
      const page = yield* request(`${base}/`)
      expect(page.headers.get("content-type")).toMatch(/^text\/html/)
      // No inline script or style in the page: everything comes from /console/.
      expect(page.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/)
      expect(page.text).not.toMatch(/<style|\sstyle=/)
      const etag = (yield* request(`${base}/console/app.js`)).headers.get("etag")!
      expect((yield* request(`${base}/console/app.js`, { headers: { "if-none-match": etag } })).status).toBe(304)
    })))
})

describe("POST /api/transitions", () => {
  it.live("without an admin token configured: 403, and nothing is written", () =>
    Effect.scoped(Effect.gen(function*() {
      const { base, context } = yield* startServer()
      const answer = yield* postJson(`${base}/api/transitions`, pause, bearer(TOKEN))
      expect(answer.status).toBe(403)
      expect(decodeError(answer.json()).error).toMatchObject({ tag: "Forbidden", exitCode: 2 })
      expect(answer.json().error.message).toMatch(/no admin token is configured/)
      const history = yield* Context.get(context, ActivityQuery).history()
      expect(history).toEqual([])
      expect((yield* request(`${base}/api/access`)).json()).toEqual({ reads: "open", writes: "disabled", authenticated: false, events_ticket: null })
    })))

  it.live("a missing or wrong bearer token is 401 with WWW-Authenticate; the right one writes with source http and the actor", () =>
    Effect.scoped(Effect.gen(function*() {
      const { base, context } = yield* startServer({ token: TOKEN })
      const missing = yield* postJson(`${base}/api/transitions`, pause)
      expect([missing.status, missing.headers.get("www-authenticate")]).toEqual([401, "Bearer realm=\"oneiric\""])
      for (const authorization of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, "Bearer ", `Basic ${TOKEN}`, TOKEN]) {
        const wrong = yield* postJson(`${base}/api/transitions`, pause, { authorization })
        expect([authorization, wrong.status, decodeError(wrong.json()).error.tag]).toEqual([authorization, 401, "Unauthorized"])
      }
      expect(yield* Context.get(context, ActivityQuery).history()).toEqual([])

      const answer = yield* postJson(`${base}/api/transitions`, { ...pause, for: "30m" }, bearer(TOKEN))
      expect(answer.status).toBe(200)
      const report = decodeReport(answer.json())
      expect(report).toMatchObject({ action: "pause", domain: "task", key: "report.daily", changed: true, dryRun: false })
      expect(report.transition).toMatchObject({ actor: "alice", source: "http", note: "incident 42" })
      expect(report.after?.expiresAt).not.toBeNull()
      // The same Schema the CLI prints with --json: the body is its encoding.
      expect(answer.json()).toEqual(Schema.encodeSync(TransitionReport)(report))
      const supervisor = Context.get(context, Supervisor)
      yield* supervisor.refresh
      expect(supervisor.refusal("task", "report.daily")).toMatchObject({ state: "paused", note: "incident 42" })

      const again = decodeReport((yield* postJson(`${base}/api/transitions`, { ...pause, for: "30m" }, bearer(TOKEN))).json())
      expect(again.changed).toBe(true) // a new expiry is a change
      const history = yield* Context.get(context, ActivityQuery).history()
      expect(history.map((t) => [t.action, t.source, t.actor])).toEqual([["pause", "http", "alice"], ["pause", "http", "alice"]])
    })))

  it.live("a wildcard drain reports the keys it covers; dry_run writes nothing; resume; the default actor", () =>
    Effect.scoped(Effect.gen(function*() {
      const { base, context } = yield* startServer({ token: TOKEN })
      for (const key of ["report.a", "report.b", "other"]) {
        expect((yield* postJson(`${base}/api/transitions`, { action: "pause", domain: "task", key }, bearer(TOKEN))).status).toBe(200)
      }
      const preview = decodeReport((yield* postJson(`${base}/api/transitions`, { action: "drain", domain: "task", key: "report.*", dry_run: true }, bearer(TOKEN))).json())
      expect(preview).toMatchObject({ dryRun: true, changed: true, seq: 0, transition: null })
      expect([...preview.affectedKeys].sort()).toEqual(["report.*", "report.a", "report.b"])
      const history = Context.get(context, ActivityQuery).history()
      expect((yield* history).length).toBe(3)
      const resumed = decodeReport((yield* postJson(`${base}/api/transitions`, { action: "resume", domain: "task", key: "other" }, bearer(TOKEN))).json())
      expect(resumed).toMatchObject({ changed: true, after: null })
      expect(resumed.transition).toMatchObject({ actor: "http", source: "http", action: "resume" })
    })))

  it.live("bad input is 400 with the CLI's ErrorReport (the CLI's rules, named as the body spells them); other methods 405", () =>
    Effect.scoped(Effect.gen(function*() {
      const { base, context } = yield* startServer({ token: TOKEN })
      const cases: ReadonlyArray<readonly [unknown, RegExp]> = [
        [{ ...pause, domain: "bogus" }, /^invalid domain: unknown domain "bogus"/],
        [{ ...pause, key: "" }, /^invalid key: key must not be empty/],
        [{ ...pause, key: "a*b" }, /^invalid key: "\*" may only appear/],
        [{ ...pause, key: "x'; DROP TABLE" }, /^invalid key: "x'; DROP TABLE" contains "'"; keys use letters, digits and/],
        [{ ...pause, note: "two\nlines" }, /^invalid note: note must not contain control characters/],
        [{ ...pause, note: "x".repeat(1025) }, /^invalid note: note is 1025 characters/],
        [{ ...pause, by: " " }, /^invalid by: expected 1 to 256 characters/],
        [{ ...pause, for: "soon" }, /^invalid for "soon": expected a positive duration/],
        [{ ...pause, for: "5m", until: "2099-01-01T00:00:00Z" }, /^for and until cannot be combined/],
        [{ ...pause, until: "2000-01-01T00:00:00Z" }, /^invalid until 2000-01-01T00:00:00Z: it is in the past/],
        [{ action: "resume", domain: "task", key: "k", for: "5m" }, /^for\/until set when a pause or drain ends; they do not apply to resume/],
        [{ ...pause, action: "clear-pause" }, /^invalid body: action: /],
        [{ ...pause, colour: "red" }, /^invalid body: colour: /],
        [{ domain: "task", key: "k" }, /^invalid body: action: /],
        [{ ...pause, key: 42 }, /^invalid body: key: /],
        [[1, 2], /^invalid body/]
      ]
      for (const [body, message] of cases) {
        const answer = yield* postJson(`${base}/api/transitions`, body, bearer(TOKEN))
        const error = decodeError(answer.json()).error
        expect([JSON.stringify(body).slice(0, 60), answer.status, error.tag, error.exitCode]).toEqual([JSON.stringify(body).slice(0, 60), 400, "InvalidInput", 2])
        expect(error.message).toMatch(message)
      }
      const notJson = yield* request(`${base}/api/transitions`, { method: "POST", headers: { ...bearer(TOKEN), "content-type": "application/json" }, body: "{nope" })
      expect([notJson.status, notJson.json().error.message]).toEqual([400, "the body is not valid JSON"])
      const form = yield* request(`${base}/api/transitions`, { method: "POST", headers: { ...bearer(TOKEN), "content-type": "application/x-www-form-urlencoded" }, body: "action=pause" })
      expect(form.status).toBe(415)
      const huge = yield* postJson(`${base}/api/transitions`, { ...pause, note: "x".repeat(70_000) }, bearer(TOKEN))
      expect([huge.status, huge.json().error.tag]).toEqual([413, "PayloadTooLarge"])
      for (const method of ["GET", "PUT", "DELETE", "PATCH"]) {
        const answer = yield* request(`${base}/api/transitions`, { method, headers: bearer(TOKEN) })
        expect([method, answer.status, answer.headers.get("allow")]).toEqual([method, 405, "POST"])
      }
      expect(yield* Context.get(context, ActivityQuery).history()).toEqual([])
      // A note is free text: quotes and SQL-looking words are fine (every query is parameterised).
      const quoted = yield* postJson(`${base}/api/transitions`, { ...pause, note: "don't deploy; -- /* see ops */" }, bearer(TOKEN))
      expect([quoted.status, quoted.json().after?.note]).toEqual([200, "don't deploy; -- /* see ops */"])
    })))
})

describe("reads and who may make them", () => {
  it.live("on loopback the reads are open; a wrong token is still refused; /api/history filters like the CLI", () =>
    Effect.scoped(Effect.gen(function*() {
      const { base } = yield* startServer({ token: TOKEN })
      for (const key of ["a", "b"]) yield* postJson(`${base}/api/transitions`, { action: "pause", domain: "task", key, by: "bob" }, bearer(TOKEN))
      yield* postJson(`${base}/api/transitions`, { action: "drain", domain: "event", key: "c", by: "carol" }, bearer(TOKEN))
      const activity = yield* request(`${base}/activity`)
      expect(activity.status).toBe(200)
      expect(activity.json().totals).toMatchObject({ paused: 2, draining: 1, entries: 3 })
      const all = Schema.decodeUnknownSync(HistoryReport)((yield* request(`${base}/api/history`)).json())
      expect(all.history.map((t) => t.key)).toEqual(["c", "b", "a"])
      const task = (yield* request(`${base}/api/history?domain=TASK&limit=1`)).json()
      expect(task.history.map((t: { key: string }) => t.key)).toEqual(["b"])
      expect((yield* request(`${base}/api/history?key=c`)).json().history).toHaveLength(1)
      for (const query of ["limit=0", "limit=x", "limit=10001", "domain=nope", "key=a*b"]) {
        const bad = yield* request(`${base}/api/history?${query}`)
        expect([query, bad.status, bad.json().error.tag]).toEqual([query, 400, "InvalidInput"])
      }
      expect((yield* request(`${base}/activity`, { headers: bearer("wrong-token-0123456789") })).status).toBe(401)
      expect((yield* request(`${base}/activity`, { method: "POST" })).status).toBe(405)
    })))

  it.live("on any other address the console's data needs the token (or a ticket on /events); the probes and the page stay open", () =>
    Effect.scoped(Effect.gen(function*() {
      const { base } = yield* startServer({ token: TOKEN, host: "0.0.0.0" })
      for (const path of ["/activity", "/api/history", "/events"]) {
        const answer = yield* request(`${base}${path}`)
        expect([path, answer.status, answer.headers.get("www-authenticate")]).toEqual([path, 401, "Bearer realm=\"oneiric\""])
      }
      for (const path of ["/healthz", "/readyz", "/metrics", "/", "/console/app.js"]) expect([path, (yield* request(`${base}${path}`)).status]).toEqual([path, 200])
      expect((yield* request(`${base}/activity`, { headers: bearer(TOKEN) })).status).toBe(200)
      expect((yield* request(`${base}/api/access`)).json()).toEqual({ reads: "token", writes: "enabled", authenticated: false, events_ticket: null })
      expect((yield* request(`${base}/api/access`, { headers: bearer("wrong-token-0123456789") })).status).toBe(401)
      const access = (yield* request(`${base}/api/access`, { headers: bearer(TOKEN) })).json()
      expect(access).toMatchObject({ reads: "token", writes: "enabled", authenticated: true })
      const ticket: string = access.events_ticket
      expect(ticket).toMatch(/^\d+\.[A-Za-z0-9_-]{43}$/)
      // A ticket opens reads only.
      const controller = new AbortController()
      const stream = yield* Effect.promise(() => fetch(`${base}/events?ticket=${ticket}`, { signal: controller.signal }))
      expect([stream.status, stream.headers.get("content-type")]).toEqual([200, "text/event-stream; charset=utf-8"])
      controller.abort()
      expect((yield* postJson(`${base}/api/transitions?ticket=${ticket}`, pause)).status).toBe(401)
      const [expires, mac] = ticket.split(".")
      const forged = `${Number(expires) + 1}.${mac}`
      expect((yield* request(`${base}/events?ticket=${forged}`)).status).toBe(401)
    })))

  it.live("`reads = open` opens them anywhere; `reads = token` closes them on loopback; no token where one is needed: 403", () =>
    Effect.scoped(Effect.gen(function*() {
      const open = yield* startServer({ host: "0.0.0.0", reads: "open" })
      expect((yield* request(`${open.base}/activity`)).status).toBe(200)
      const closed = yield* startServer({ reads: "token", token: TOKEN })
      expect((yield* request(`${closed.base}/activity`)).status).toBe(401)
      expect((yield* request(`${closed.base}/activity`, { headers: bearer(TOKEN) })).status).toBe(200)
      const none = yield* startServer({ host: "0.0.0.0" })
      const answer = yield* request(`${none.base}/activity`)
      expect([answer.status, answer.json().error.tag]).toEqual([403, "Forbidden"])
      expect((yield* request(`${none.base}/api/access`)).json()).toMatchObject({ reads: "closed", writes: "disabled" })
    })))
})
