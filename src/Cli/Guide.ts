/**
 * What the help says beyond the options: for each command, what it does and how operators use it.
 * Every example is run by the test suite (`test/Cli/Help.test.ts`), so none can go stale.
 */

export interface Example {
  /** A complete command line, starting with `oneiric`. */
  readonly command: string
  /** What it does, in a few words. */
  readonly what: string
}

export interface CommandGuide {
  /** The usage line after `oneiric <command>`. */
  readonly usage: string
  /** What the command does, in two or three sentences. */
  readonly about: string
  readonly examples: ReadonlyArray<Example>
}

export const GUIDES: Readonly<Record<string, CommandGuide>> = {
  activity: {
    usage: "[--domain DOMAIN] [--state STATE] [--key KEY] [--history [--limit N]] [--instances] [--json]",
    about: "Lists the keys that are paused, draining or carry a note: who changed them, when they expire, " +
      "and how much work the live instances still run under them. --history lists the transitions instead. " +
      "Reads the store and never creates it: with no store at the path it says so.",
    examples: [
      { command: "oneiric activity", what: "what is paused, draining or noted now" },
      { command: "oneiric activity --history --limit 20", what: "the last 20 transitions, newest first" },
      { command: "oneiric activity --instances", what: "the processes sharing the store and how far each has got" }
    ]
  },
  pause: {
    usage: "--domain DOMAIN --key KEY [--note TEXT] [--for DUR | --until TIME] [--wait [--timeout DUR]] [--dry-run] [--json]",
    about: "Running processes refuse new work for the key; work already running finishes. `*` pauses a whole " +
      "domain, `prefix.*` every key under `prefix.`. Prints the effective state and the keys affected; " +
      "pausing what is already paused changes nothing and says so.",
    examples: [
      { command: "oneiric pause --domain task --key reports.daily --note \"month-end freeze\"", what: "pause one key, saying why" },
      { command: "oneiric pause --domain event --key \"billing.*\" --for 30m", what: "every billing. event for 30 minutes" },
      { command: "oneiric pause --domain task --key reports.daily --dry-run", what: "show what would change, write nothing" }
    ]
  },
  drain: {
    usage: "--domain DOMAIN --key KEY [--note TEXT] [--wait [--timeout DUR]] [--clear] [--json]",
    about: "Refuses new work for the key like pause, and lets the work in flight finish. With --wait it " +
      "follows the live instances until none has work in flight under the key, and exits 4 if the " +
      "deadline comes first (the key stays draining).",
    examples: [
      { command: "oneiric drain --domain workflow --key demo.fulfillment --wait --timeout 2m", what: "drain and wait until nothing runs" },
      { command: "oneiric drain --domain service --key api --note \"deploying v2\"", what: "drain without waiting" },
      { command: "oneiric drain --domain service --key api --clear", what: "clear only the drain (the original's spelling)" }
    ]
  },
  resume: {
    usage: "--domain DOMAIN --key KEY [--note TEXT] [--wait [--timeout DUR]] [--dry-run] [--json]",
    about: "Clears the key's pause and drain (and its note; the history keeps it): running processes accept " +
      "new work for it again. Resuming a key that is neither paused nor draining changes nothing and says so.",
    examples: [
      { command: "oneiric resume --domain task --key reports.daily", what: "accept work for the key again" },
      { command: "oneiric resume --domain event --key \"billing.*\" --dry-run", what: "show what a resume would change" }
    ]
  },
  health: {
    usage: "[--probe] [--max-age DUR] [--health-path FILE] [--json]",
    about: "Reads the health snapshot a running `oneiric run` writes and says whether it is ready, and why " +
      "not. With --probe it is an exec readiness probe: exit 0 when ready, 3 otherwise. Reads snapshots " +
      "written by the Python original too.",
    examples: [
      { command: "oneiric health", what: "the verdict, the supervisor and the activity it enforces" },
      { command: "oneiric health --probe --max-age 30s", what: "exit 0 iff ready and fresh (for a probe)" },
      { command: "oneiric health --json", what: "the report as JSON" }
    ]
  },
  "supervisor-info": {
    usage: "[--json]",
    about: "Shows the resolved configuration: the profile, whether the supervisor is enabled and which layer " +
      "decided each value (profile, settings file, environment, option), and the absolute paths of the " +
      "store and the health snapshot.",
    examples: [
      { command: "oneiric supervisor-info", what: "what this directory resolves to" },
      { command: "oneiric supervisor-info --profile serverless --json", what: "the serverless profile, as JSON" }
    ]
  },
  migrate: {
    usage: "[--json]",
    about: "Brings the store's schema to this version now, instead of on the first open. With PostgreSQL, run it " +
      "with a role that may create tables; the services then need only a role that reads and writes them. " +
      "Says which migrations it applied.",
    examples: [
      { command: "oneiric migrate", what: "migrate the store of this directory" },
      { command: "oneiric migrate --json", what: "the outcome as JSON" }
    ]
  },
  run: {
    usage: "[--demo] [--host HOST] [--port PORT] [--health-path FILE] [--health-interval DUR]",
    about: "Runs the supervisor, the health snapshot writer, the HTTP probes (/healthz, /readyz, /metrics) and " +
      "the operator console (/) until SIGTERM or Ctrl-C, then shuts down gracefully. --demo adds a sample " +
      "workload that shows pause, drain and resume at work.",
    examples: [
      { command: "oneiric run --demo", what: "the demo workload with probes on 127.0.0.1:8787" },
      { command: "oneiric run --port 9090 --health-interval 2s", what: "probes on port 9090, snapshot every 2 s" }
    ]
  }
}
