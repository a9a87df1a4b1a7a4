/** Responses the routes share: Schema-encoded JSON, the CLI's `ErrorReport` for failures, 405s. */
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { ErrorReport } from "../Domain/Report.js"

/** `value` encoded by `schema` (JSON is always produced by a Schema). */
export const json = <A, I>(schema: Schema.Schema<A, I>, value: A, status = 200) =>
  Effect.map(Effect.orDie(Schema.encode(schema)(value)), (body) => HttpServerResponse.unsafeJson(body, { status }))

/**
 * The exit code the CLI gives the same failure (`src/Cli/Failure.ts`), so a script reads an HTTP
 * error like a `--json` one: 2 for input, access and usage, 5 for the store.
 */
const EXIT_CODE = { invalid: 2, storeUnavailable: 5 } as const

/** A failure as the CLI's `--json` prints it: `{ "error": { "tag", "message", "exit_code" } }`. */
export const failure = (status: number, tag: string, message: string, headers: Readonly<Record<string, string>> = {}) =>
  json(ErrorReport, new ErrorReport({ error: { tag, message, exitCode: status === 503 ? EXIT_CODE.storeUnavailable : EXIT_CODE.invalid } }), status).pipe(
    Effect.map(HttpServerResponse.setHeaders(headers))
  )

/** 405 with the methods the path does take. */
export const methodNotAllowed = (method: string, allow: ReadonlyArray<string>) =>
  failure(405, "MethodNotAllowed", `${method} is not allowed here; use ${allow.join(" or ")}`, { allow: allow.join(", ") })

/** The store could not be read or written: 503, and the page or script retries. */
export const storeUnavailable = (error: { readonly _tag: string; readonly message: string }) => failure(503, error._tag, error.message)
