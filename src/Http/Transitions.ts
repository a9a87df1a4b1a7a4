/**
 * `POST /api/transitions`: pause, drain or resume over HTTP, answered with the `TransitionReport`
 * the CLI prints with `--json`. The same checks as the CLI (`Domain/TransitionInput.ts`), the same
 * Operator; recorded with `source: "http"` and the body's `by`. Only with the admin token (the
 * router has checked it by the time this runs).
 */
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { InvalidInput } from "../Domain/Errors.js"
import { TransitionReport } from "../Domain/Report.js"
import { transitionRequest } from "../Domain/TransitionInput.js"
import type { FieldNames } from "../Domain/TransitionInput.js"
import { Operator } from "../Operator.js"
import { Supervisor } from "../Supervisor.js"
import { failure, json, storeUnavailable } from "./Respond.js"
import { TransitionBody } from "./Wire.js"

/** A transition's body is a few hundred bytes; a note at most 1024 characters. */
export const MAX_BODY_BYTES = 64 * 1024

/** Who acted when the body names nobody. */
export const DEFAULT_HTTP_ACTOR = "http"

const FIELD_NAMES: FieldNames = { domain: "domain", key: "key", note: "note", by: "by", for: "for", until: "until" }

class BodyTooLarge extends Schema.TaggedError<BodyTooLarge>()("BodyTooLarge", {}) {}

const decodeBody = Schema.decodeUnknown(TransitionBody, { onExcessProperty: "error" })

/** The body's JSON, or one line saying what is wrong with it. */
const readBody = (request: HttpServerRequest.HttpServerRequest) =>
  Effect.gen(function*() {
    const length = Number(request.headers["content-length"] ?? "0")
    if (length > MAX_BODY_BYTES) return yield* new BodyTooLarge()
    const text = yield* request.text.pipe(
      HttpIncomingMessage.withMaxBodySize(Option.some(MAX_BODY_BYTES)),
      Effect.mapError(() => new BodyTooLarge())
    )
    const parsed = yield* Effect.try({ try: () => JSON.parse(text) as unknown, catch: () => new InvalidInput({ message: "the body is not valid JSON" }) })
    return yield* decodeBody(parsed).pipe(
      Effect.mapError((error) => {
        const [first] = ParseResult.ArrayFormatter.formatErrorSync(error)
        const where = first === undefined || first.path.length === 0 ? "" : `${first.path.join(".")}: `
        return new InvalidInput({ message: `invalid body: ${where}${first?.message ?? "unexpected shape"}` })
      })
    )
  })

const isJson = (contentType: string | undefined) => /^application\/json\s*(;|$)/i.test(contentType ?? "")

export const transitions = Effect.gen(function*() {
  const request = yield* HttpServerRequest.HttpServerRequest
  if (!isJson(request.headers["content-type"])) {
    return yield* failure(415, "UnsupportedMediaType", "send the transition as JSON: Content-Type: application/json")
  }
  const body = yield* readBody(request)
  const transition = yield* transitionRequest(
    { action: body.action, domain: body.domain, key: body.key, note: body.note, by: body.by ?? DEFAULT_HTTP_ACTOR, for: body.for, until: body.until },
    { names: FIELD_NAMES, source: "http", now: yield* DateTime.now }
  )
  const dryRun = body.dry_run === true
  const report = yield* Effect.flatMap(Operator, (operator) => operator.transition(transition, { dryRun }))
  if (!dryRun) {
    // This process's gates enforce it now rather than at the supervisor's next poll; a failed read
    // here changes nothing (the write is done, and the next tick retries).
    yield* Effect.flatMap(Supervisor, (supervisor) => supervisor.refresh).pipe(Effect.catchAllCause(() => Effect.void))
    yield* Effect.logInfo("Http.transition").pipe(
      Effect.annotateLogs({ action: report.action, domain: report.domain, key: report.key, actor: transition.actor, changed: report.changed, seq: report.seq })
    )
  }
  return yield* json(TransitionReport, report)
}).pipe(
  Effect.catchTags({
    BodyTooLarge: () => failure(413, "PayloadTooLarge", `the body is larger than ${MAX_BODY_BYTES} bytes`),
    InvalidInput: (e) => failure(400, e._tag, e.message),
    StoreUnavailable: storeUnavailable
  })
)
