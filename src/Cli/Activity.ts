/** `oneiric activity`: what is paused, draining or noted, or the history of transitions. */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { ActivityQuery } from "../ActivityQuery.js"
import type { Transition } from "../Domain/Activity.js"
import { ActivityReport, HistoryReport } from "../Domain/Report.js"
import { QueryLive } from "../MainLive.js"
import * as Input from "./Input.js"
import * as Shared from "./Options.js"
import { print } from "./Output.js"
import { withLayer } from "./Root.js"
import { cell, table } from "./Table.js"

const options = {
  json: Shared.json,
  domain: Shared.domain.pipe(Options.optional),
  key: Shared.key,
  state: Options.text("state").pipe(
    Options.withDescription("accepting | paused | draining | drained | note-only"),
    Options.optional
  ),
  history: Options.boolean("history").pipe(Options.withDescription("Show the transitions, newest first")),
  limit: Options.integer("limit").pipe(Options.withDescription("With --history: at most this many"), Options.withDefault(50))
}

export const activityCommand = Command.make("activity", options, (args) =>
  Effect.gen(function*() {
    const domain = Option.isSome(args.domain) ? yield* Input.domain(args.domain.value) : undefined
    const state = Option.isSome(args.state) ? yield* Input.state(args.state.value) : undefined
    const key = Option.isSome(args.key) ? yield* Input.key(Option.none(), args.key) : undefined
    const limit = yield* Input.limit(args.limit)
    yield* Effect.gen(function*() {
      const query = yield* ActivityQuery
      if (args.history) {
        const report = new HistoryReport({ store: query.describe, history: yield* query.history({ domain, key, limit }) })
        return yield* print(args.json, HistoryReport, report, describeHistory)
      }
      yield* print(args.json, ActivityReport, yield* query.report({ domain, state, key }), describeActivity)
    }).pipe(withLayer(QueryLive))
  })).pipe(Command.withDescription("List paused, draining and noted keys, or their history (--history)"))

const when = (at: DateTime.Utc | null) => (at === null ? "-" : DateTime.formatIso(at).replace(/\.\d{3}Z$/, "Z"))

const describeActivity = (report: ActivityReport): string => {
  const sections = Object.entries(report.domains).map(([domain, { counts, entries }]) =>
    `${domain}: ${counts.paused} paused, ${counts.draining} draining, ${counts.noteOnly} note-only\n` +
    table(
      ["KEY", "STATE", "INFLIGHT", "NOTE", "UPDATED", "BY", "EXPIRES"],
      entries.map((e) => [e.key, e.state, String(e.inflight), cell(e.note), when(e.updatedAt), cell(e.updatedBy), when(e.expiresAt)])
    )
  )
  if (sections.length === 0) return `Every key is accepting work (no paused, draining or noted keys in ${report.store}).`
  return [...sections, `total: ${report.totals.paused} paused, ${report.totals.draining} draining, ${report.totals.noteOnly} note-only`].join("\n\n")
}

const flags = (t: Transition) => [t.paused ? "paused" : "", t.draining ? "draining" : ""].filter(Boolean).join("+") || "-"

const describeHistory = (report: HistoryReport): string =>
  report.history.length === 0
    ? `No transitions recorded in ${report.store}.`
    : table(
      ["SEQ", "AT", "DOMAIN", "KEY", "ACTION", "NOW", "NOTE", "BY", "SOURCE"],
      report.history.map((t) => [String(t.seq), when(t.at), t.domain, t.key, t.action, flags(t), cell(t.note), cell(t.actor), cell(t.source)])
    )
