/** Options shared by several commands. */
import * as Args from "@effect/cli/Args"
import * as Options from "@effect/cli/Options"

export const json = Options.boolean("json").pipe(Options.withDescription("Print Schema-encoded JSON on stdout"))

export const domain = Options.text("domain").pipe(
  Options.withAlias("d"),
  Options.withDescription("adapter | service | task | event | workflow | action (any case)")
)

export const key = Options.text("key").pipe(
  Options.withAlias("k"),
  Options.withDescription("The key; `*` for the whole domain, `prefix.*` for every key under `prefix.`"),
  Options.optional
)

export const positionalKey = Args.text({ name: "KEY" }).pipe(
  Args.withDescription("The key, as the original CLI took it (same as --key)"),
  Args.optional
)

export const note = Options.text("note").pipe(Options.withDescription("Why (at most 1024 characters)"), Options.optional)

export const by = Options.text("by").pipe(Options.withDescription("Who is acting (default: user@host)"), Options.optional)

export const dryRun = Options.boolean("dry-run").pipe(Options.withDescription("Show what would change; write nothing"))

export const forDuration = Options.text("for").pipe(
  Options.withDescription("Auto-resume after this long, e.g. 30m, 2h"),
  Options.optional
)

export const until = Options.text("until").pipe(
  Options.withDescription("Auto-resume at this ISO 8601 time, e.g. 2026-12-01T09:00:00Z"),
  Options.optional
)

/** The options pause and drain share (resume takes no expiry). */
export const transition = { domain, key, positionalKey, note, forDuration, until, by, dryRun, json }
