/** `oneiric activity`: what is paused, draining or noted, or the history of transitions. */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { ActivityStore } from "../ActivityStore.js"
import { listedState } from "../ActivityStore/Rules.js"
import type { ActivityEntry, ActivityState, Transition } from "../Domain/Activity.js"
import type { InstanceReport } from "../Domain/Instance.js"
import { ActivityListing, ActivityReport, DomainActivity, HistoryReport, StateCounts } from "../Domain/Report.js"
import { StoreLive } from "../MainLive.js"
import { inflightUnder } from "./Inflight.js"
import * as Input from "./Input.js"
import * as Shared from "./Options.js"
import { print } from "./Output.js"
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
    yield* Effect.provide(
      Effect.gen(function*() {
        const store = yield* ActivityStore
        if (args.history) {
          const report = new HistoryReport({ store: store.describe, history: yield* store.history({ domain, key, limit }) })
          return yield* print(args.json, HistoryReport, report, describeHistory)
        }
        const now = yield* DateTime.now
        const instances = yield* store.instances
        // `drained` is derived from the instances' counts, so filter after deriving.
        const rows = (yield* store.list({ domain, state: state === "drained" ? "draining" : state }))
          .filter((row) => key === undefined || row.key === key)
        const listed = report(store.describe, rows, instances, now)
        yield* print(args.json, ActivityReport, state === undefined ? listed : onlyState(listed, state), describeActivity)
      }),
      StoreLive
    )
  })).pipe(Command.withDescription("List paused, draining and noted keys, or their history (--history)"))

const report = (store: string, rows: ReadonlyArray<ActivityEntry>, instances: ReadonlyArray<InstanceReport>, now: DateTime.Utc): ActivityReport => {
  const grouped = new Map<ActivityEntry["domain"], Array<ActivityListing>>()
  for (const row of rows) {
    const inflight = inflightUnder(instances, row.domain, row.key, 0, now).total
    const own = listedState(row, now)
    const listing = new ActivityListing({ ...row, state: own === "draining" && inflight === 0 ? "drained" : own, inflight })
    grouped.set(row.domain, [...(grouped.get(row.domain) ?? []), listing])
  }
  return summarize(store, grouped)
}

const onlyState = (report: ActivityReport, state: ActivityState): ActivityReport =>
  summarize(report.store, new Map(Object.entries(report.domains).map(([d, { entries }]) => [d, entries.filter((e) => e.state === state)] as const).filter(([, e]) => e.length > 0)))

const summarize = (store: string, grouped: ReadonlyMap<string, ReadonlyArray<ActivityListing>>): ActivityReport => {
  const domains: Record<string, DomainActivity> = {}
  const totals = { paused: 0, draining: 0, noteOnly: 0, entries: 0 }
  for (const [domain, entries] of grouped) {
    const counts = new StateCounts({
      paused: entries.filter((e) => e.state === "paused").length,
      draining: entries.filter((e) => e.state === "draining" || e.state === "drained").length,
      noteOnly: entries.filter((e) => e.state === "note-only").length
    })
    totals.paused += counts.paused
    totals.draining += counts.draining
    totals.noteOnly += counts.noteOnly
    totals.entries += entries.length
    domains[domain] = new DomainActivity({ counts, entries })
  }
  return new ActivityReport({ store, domains, totals })
}

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
