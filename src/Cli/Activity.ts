/** `oneiric activity`: what is paused, draining or noted, or the history of transitions. Never creates the store. */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { ActivityQuery } from "../ActivityQuery.js"
import { ActivityStore } from "../ActivityStore.js"
import { ConfigResolver } from "../ConfigResolver.js"
import type { Transition } from "../Domain/Activity.js"
import { ActivityReport, HistoryReport, InstancesReport } from "../Domain/Report.js"
import { QueryLive } from "../MainLive.js"
import { printListingJson, printListingText } from "./ActivityStream.js"
import { didYouMean } from "./DidYouMean.js"
import * as Input from "./Input.js"
import { nearKeys } from "./NearKeys.js"
import * as Shared from "./Options.js"
import { print } from "./Output.js"
import { withLayer } from "./Root.js"
import { noStoreMessage, storePresence } from "./StorePresence.js"
import { cell, table } from "./Table.js"

const options = {
  json: Shared.json,
  domain: Shared.domain.pipe(Options.optional),
  key: Shared.key,
  state: Options.text("state").pipe(
    Options.withPseudoName("STATE"),
    Options.withDescription("Only keys in this state: accepting | paused | draining | drained | note-only"),
    Options.optional
  ),
  history: Options.boolean("history").pipe(Options.withDescription("List the transitions (who did what, when), newest first")),
  instances: Options.boolean("instances").pipe(
    Options.withDescription("List the processes sharing the store: applied feed position, heartbeat age, work in flight")
  ),
  limit: Options.integer("limit").pipe(Options.withDescription("With --history: at most this many (default 50)"), Options.withDefault(50))
}

const EMPTY_TOTALS = { paused: 0, draining: 0, noteOnly: 0, entries: 0 }

export const activityCommand = Command.make("activity", options, (args) =>
  Effect.gen(function*() {
    const domain = Option.isSome(args.domain) ? yield* Input.domain(args.domain.value) : undefined
    const state = Option.isSome(args.state) ? yield* Input.state(args.state.value) : undefined
    const key = Option.isSome(args.key) ? yield* Input.key(Option.none(), args.key) : undefined
    const limit = yield* Input.limit(args.limit)
    yield* Effect.gen(function*() {
      const presence = storePresence(yield* ConfigResolver)
      if (!presence.present) {
        if (args.instances) {
          return yield* print(args.json, InstancesReport, new InstancesReport({ store: presence.describe, live: 0, stale: 0, instances: [] }), () =>
            noStoreMessage(presence, "no process has published itself there"))
        }
        return yield* args.history
          ? print(args.json, HistoryReport, new HistoryReport({ store: presence.describe, storePresent: false, history: [] }), () =>
            noStoreMessage(presence, "there is no history there"))
          : print(args.json, ActivityReport, new ActivityReport({ store: presence.describe, storePresent: false, domains: {}, totals: EMPTY_TOTALS }), () =>
            noStoreMessage(presence, "nothing is paused, draining or noted there"))
      }
      yield* Effect.gen(function*() {
        const query = yield* ActivityQuery
        if (args.instances) return yield* print(args.json, InstancesReport, yield* query.instances, describeInstances)
        if (args.history) {
          const report = new HistoryReport({ store: query.describe, history: yield* query.history({ domain, key, limit }) })
          return yield* print(args.json, HistoryReport, report, describeHistory)
        }
        // Every row (no --state, no --key): streamed from the store's listing read, as the whole report prints.
        const streamed = yield* Effect.scoped(Effect.flatMap(query.listing({ domain, state, key }), (listing) =>
          listing === null
            ? Effect.succeed(false)
            : args.json
            ? Effect.as(printListingJson(listing), true)
            : printListingText(listing)))
        if (streamed) return
        const report = yield* query.report({ domain, state, key })
        // `--key` that matches no row: perhaps a typo of one that exists.
        const near = key !== undefined && domain !== undefined && report.totals.entries === 0 && state === undefined
          ? yield* Effect.flatMap(ActivityStore, (store) => nearKeys(store, domain, key))
          : []
        yield* print(args.json, ActivityReport, report, (r) =>
          key !== undefined && r.totals.entries === 0
            ? `No ${state === undefined ? "row" : `${state} row`} for ${domain === undefined ? "" : `${domain}/`}${key} in ${r.store}${didYouMean(near)}`
            : describeActivity(r))
      }).pipe(Effect.provide(QueryLive))
    }).pipe(withLayer(Layer.empty))
  })).pipe(Command.withDescription("List what is paused, draining or noted, or the history"))

const when = (at: DateTime.Utc | null) => (at === null ? "-" : DateTime.formatIso(at).replace(/\.\d{3}Z$/, "Z"))

export const describeActivity = (report: ActivityReport): string => {
  const sections = Object.entries(report.domains).map(([domain, { counts, entries }]) =>
    `${domain}: ${counts.paused} paused, ${counts.draining} draining, ${counts.noteOnly} note-only\n` +
    table(
      ["KEY", "STATE", "INFLIGHT", "NOTE", "UPDATED", "BY", "EXPIRES"],
      entries.map((e) => [e.key, e.state, String(e.inflight), cell(e.note), when(e.updatedAt), cell(e.updatedBy ?? (e.source === "legacy" ? "(original)" : null)), when(e.expiresAt)])
    )
  )
  if (sections.length === 0) return `Every key is accepting work (no paused, draining or noted keys in ${report.store}).`
  return [...sections, `total: ${report.totals.paused} paused, ${report.totals.draining} draining, ${report.totals.noteOnly} note-only`].join("\n\n")
}

const age = (ms: number) => (ms < 1_000 ? `${ms} ms` : ms < 120_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 60_000)} min`)

const describeInstances = (report: InstancesReport): string =>
  report.instances.length === 0
    ? `No process has published itself in ${report.store} (a running \`oneiric run\` or embedding app does).`
    : [
      `${report.live} live, ${report.stale} stale instance(s) in ${report.store}`,
      table(
        ["INSTANCE", "HOST", "PID", "LIVE", "APPLIED", "HEARTBEAT", "INFLIGHT"],
        report.instances.map((i) => [
          i.id,
          i.host,
          String(i.pid),
          i.live ? "yes" : i.stoppedAt !== null ? "stopped" : "stale",
          String(i.appliedSeq),
          `${age(i.heartbeatAgeMs)} ago`,
          i.stoppedAt !== null
            ? `interrupted at shutdown: ${i.interrupted.map((c) => `${c.domain}/${c.key} ${c.count}`).join(", ")}`
            : i.inflightTotal === 0 ? "0" : `${i.inflightTotal} (${i.inflight.map((c) => `${c.domain}/${c.key} ${c.count}`).join(", ")})`
        ])
      )
    ].join("\n")

const flags = (t: Transition) => [t.paused ? "paused" : "", t.draining ? "draining" : ""].filter(Boolean).join("+") || "-"

const describeHistory = (report: HistoryReport): string =>
  report.history.length === 0
    ? `No transitions recorded in ${report.store}.`
    : table(
      ["SEQ", "AT", "DOMAIN", "KEY", "ACTION", "NOW", "NOTE", "BY", "SOURCE"],
      report.history.map((t) => [String(t.seq), when(t.at), t.domain, t.key, t.action, flags(t), cell(t.note), cell(t.actor), cell(t.source)])
    )
