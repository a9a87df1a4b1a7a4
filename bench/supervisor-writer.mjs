// The "other process" of bench/supervisor-propagation.mjs: opens the store file through the library's
// ActivityStore.layerSqlite and applies transitions read from stdin, one per line:
//
//   <id> <action> <domain> <key>      e.g. `7 pause task p-0007`
//   quit
//
// and answers each on stdout, once the transaction has committed:
//
//   <id> ok <commitAt> <startAt>      commitAt = performance.timeOrigin + performance.now() just after COMMIT
//                                     (in the continuation of the transaction, so it can only be late: if this
//                                     process is descheduled right after COMMIT the reader sees the change first);
//                                     startAt = the same clock just before the transaction began (a lower bound)
//   <id> err <message>
//
// It prints `ready` once the store is open.
//
//   node bench/supervisor-writer.mjs --file /path/to/store.sqlite
import * as Effect from "effect/Effect"
import readline from "node:readline"
import { loadLibrary, now, parseArgs, runtimeOf } from "./lib.mjs"

const flags = parseArgs("usage: node bench/supervisor-writer.mjs --file PATH", ["--file"])
if (flags.file === undefined) {
  process.stderr.write("supervisor-writer: --file is required\n")
  process.exit(2)
}

const lib = await loadLibrary()
const runtime = runtimeOf(lib.ActivityStore.layerSqlite({ filename: flags.file }))
const store = await runtime.runPromise(lib.ActivityStore)
process.stdout.write("ready\n")

const lines = readline.createInterface({ input: process.stdin })
for await (const line of lines) {
  const [id, action, domain, key] = line.trim().split(/\s+/)
  if (id === "quit" || id === undefined || id === "") break
  const request = { domain, key, action, actor: "bench-writer", source: "cli" }
  let startAt = 0
  const outcome = await runtime.runPromise(
    Effect.suspend(() => {
      startAt = now()
      return store.transition(request)
    }).pipe(
      // The timestamp is taken in the continuation of the committed transaction, before any I/O.
      Effect.map(() => `${id} ok ${now()} ${startAt}`),
      Effect.catchAll((error) => Effect.succeed(`${id} err ${String(error.message ?? error).replace(/\s+/g, " ")}`))
    )
  )
  process.stdout.write(outcome + "\n")
}
await runtime.dispose()
process.exit(0)
