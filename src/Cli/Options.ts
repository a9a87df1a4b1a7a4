/** Options shared by several commands. */
import * as Args from "@effect/cli/Args"
import * as Options from "@effect/cli/Options"
import { Domains } from "../Domain/Domain.js"

export const json = Options.boolean("json").pipe(Options.withDescription("Print the result as JSON on stdout (errors too)"))

export const domain = Options.text("domain").pipe(
  Options.withAlias("d"),
  Options.withPseudoName("DOMAIN"),
  Options.withDescription(`${Domains.join(" | ")} (any case)`)
)

export const key = Options.text("key").pipe(
  Options.withAlias("k"),
  Options.withPseudoName("KEY"),
  Options.withDescription("The key: letters, digits and . _ - : / @; `*` for the whole domain, `prefix.*` for every key under prefix."),
  Options.optional
)

export const positionalKey = Args.text({ name: "KEY" }).pipe(
  Args.withDescription("The key as an argument, as the original CLI took it (same as --key)"),
  Args.optional
)

export const note = Options.text("note").pipe(
  Options.withPseudoName("TEXT"),
  Options.withDescription("Why: free text, up to 1,024 characters (shown in activity, kept in the history)"),
  Options.optional
)

export const by = Options.text("by").pipe(
  Options.withPseudoName("ACTOR"),
  Options.withDescription("Who is acting, for the history (default: user@host)"),
  Options.optional
)

export const dryRun = Options.boolean("dry-run").pipe(Options.withDescription("Show what would change; write nothing"))

export const forDuration = Options.text("for").pipe(
  Options.withPseudoName("DUR"),
  Options.withDescription("Resume by itself after this long: 90s, 30m, 2h"),
  Options.optional
)

export const until = Options.text("until").pipe(
  Options.withPseudoName("TIME"),
  Options.withDescription("Resume by itself at this ISO 8601 time, e.g. 2026-12-01T09:00:00Z"),
  Options.optional
)

export const wait = Options.boolean("wait").pipe(
  Options.withDescription("Return once every live instance sharing the store has applied it (exit 4 at --timeout)")
)

export const timeout = Options.text("timeout").pipe(
  Options.withDescription("With --wait: give up after this long, e.g. 10s (default 30s); exit 4"),
  Options.optional
)

/** The options pause and drain share (resume takes no expiry). */
export const transition = { domain, key, positionalKey, note, forDuration, until, by, dryRun, json }
