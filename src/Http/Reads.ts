/**
 * The reads: `GET /activity` (the `activity --json` report) and `GET /api/history` (the
 * `activity --history --json` report; `?domain=`, `?key=`, `?limit=` as on the CLI).
 */
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as Effect from "effect/Effect"
import { ActivityQuery } from "../ActivityQuery.js"
import { KeyFromInput } from "../Domain/ActivityKey.js"
import { DomainFromInput } from "../Domain/Domain.js"
import { InvalidInput } from "../Domain/Errors.js"
import { ActivityReport, HistoryReport } from "../Domain/Report.js"
import { decodeField } from "../Domain/TransitionInput.js"
import { failure, json, storeUnavailable } from "./Respond.js"

export const activity = Effect.flatMap(ActivityQuery, (query) => Effect.flatMap(query.report(), (report) => json(ActivityReport, report))).pipe(
  Effect.catchTag("StoreUnavailable", storeUnavailable)
)

const DEFAULT_HISTORY = 100
const MAX_HISTORY = 10_000

const limitOf = (raw: string | null) => {
  if (raw === null) return Effect.succeed(DEFAULT_HISTORY)
  const limit = /^\d{1,6}$/.test(raw) ? Number(raw) : NaN
  return limit >= 1 && limit <= MAX_HISTORY
    ? Effect.succeed(limit)
    : Effect.fail(new InvalidInput({ message: `invalid limit ${JSON.stringify(raw)}: expected a whole number from 1 to ${MAX_HISTORY}` }))
}

export const history = Effect.gen(function*() {
  const request = yield* HttpServerRequest.HttpServerRequest
  const params = new URL(request.url, "http://localhost").searchParams
  const domainParam = params.get("domain")
  const keyParam = params.get("key")
  const domain = domainParam === null ? undefined : yield* decodeField(DomainFromInput, "domain")(domainParam)
  const key = keyParam === null ? undefined : yield* decodeField(KeyFromInput, "key")(keyParam)
  const limit = yield* limitOf(params.get("limit"))
  const query = yield* ActivityQuery
  const report = new HistoryReport({ store: query.describe, history: yield* query.history({ domain, key, limit }) })
  return yield* json(HistoryReport, report)
}).pipe(
  Effect.catchTags({
    InvalidInput: (e) => failure(400, e._tag, e.message),
    StoreUnavailable: storeUnavailable
  })
)
