import * as Schema from "effect/Schema"

export const MAX_KEY_LENGTH = 256

/** C0 controls, DEL and C1 controls: they corrupt tables, logs and terminals. */
export const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/

/**
 * The characters a key is made of (DESIGN §3): ASCII letters and digits and `. _ - : / @`, the
 * separators operators' real keys use (`billing.invoice`, `queue:emails`, `team/job`,
 * `worker@eu-1`). Every query is parameterised, so nothing is refused for looking like SQL; the
 * set is closed so that a key reads the same in a table, a log line, a URL and a shell command.
 */
export const KEY_CHARACTERS = /^[A-Za-z0-9._:/@-]+$/
export const KEY_CHARACTERS_HINT = "letters, digits and . _ - : / @"

/** The first character of `s` outside the key character set (a code point, so an emoji shows whole). */
const firstForeign = (s: string): string | undefined => [...s].find((c) => !KEY_CHARACTERS.test(c))

const NAMED: Readonly<Record<string, string>> = { " ": "a space", "\t": "a tab" }

const shown = (c: string) => {
  const code = `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`
  return NAMED[c] !== undefined ? `${code} (${NAMED[c]})` : CONTROL_CHARACTERS.test(c) ? code : JSON.stringify(c)
}

/** Why `key` is not a key, or undefined when it is one. */
export const keyProblem = (key: string): string | undefined => {
  if (key.length === 0) return "key must not be empty"
  if (key.length > MAX_KEY_LENGTH) return `key is ${key.length} characters; at most ${MAX_KEY_LENGTH} allowed`
  if (key.startsWith("-")) return `${JSON.stringify(key)} looks like an option, not a key: a key cannot start with "-"`
  let plain = key
  if (key.includes("*")) {
    if (!isWildcardPattern(key)) return `"*" may only appear as the whole key or as a final ".*" (got ${JSON.stringify(key)})`
    if (key === "*") return undefined
    plain = key.slice(0, -2)
  }
  const foreign = firstForeign(plain)
  if (foreign === undefined) return undefined
  if (CONTROL_CHARACTERS.test(foreign) && foreign !== "\t") return "key must not contain control characters"
  return `${JSON.stringify(key)} contains ${shown(foreign)}; keys use ${KEY_CHARACTERS_HINT}, and "*" or a final ".*" for a wildcard`
}

/**
 * A unit of work's key as the store holds it: any non-empty text. The store may hold keys another
 * writer (the original, a script) put there outside our character set, and they must still be read,
 * shown and enforced. `*` is the whole domain; `prefix.*` every key under `prefix.` (DESIGN §3).
 */
export const ActivityKey = Schema.String.pipe(
  Schema.filter((s) => s.length > 0 || "key must not be empty"),
  Schema.brand("ActivityKey")
).annotations({ identifier: "ActivityKey" })
export type ActivityKey = typeof ActivityKey.Type

/** A key an operator or caller gives: 1–256 characters from `KEY_CHARACTERS`, not starting with `-`. */
export const KeyFromInput = ActivityKey.pipe(
  Schema.filter((s) => keyProblem(s) ?? true)
).annotations({ identifier: "ActivityKey" })

function isWildcardPattern(s: string): boolean {
  return s === "*" || (s.endsWith(".*") && s.length > 2 && !s.slice(0, -2).includes("*"))
}

/** True when the key is a wildcard rule (`*` or `prefix.*`). */
export const isWildcard = (key: string): boolean => key.endsWith("*")

/**
 * Does rule `pattern` cover `key`? An exact key covers itself; `*` covers everything;
 * `a.b.*` covers `a.b.c` and `a.b.c.d` (and the pattern itself), never `a.bc`.
 */
export const covers = (pattern: string, key: string): boolean => {
  if (pattern === key) return true
  if (pattern === "*") return true
  if (!pattern.endsWith(".*")) return false
  return key.startsWith(pattern.slice(0, -1))
}

/**
 * The wildcard rules that could cover `key`, most general first: `*`, `a.*`, `a.b.*`, …
 * Lets a lookup probe a handful of map entries instead of scanning every rule.
 */
export const candidateRules = (key: string): ReadonlyArray<string> => {
  const rules = ["*"]
  let at = key.indexOf(".")
  while (at !== -1) {
    rules.push(key.slice(0, at + 1) + "*")
    at = key.indexOf(".", at + 1)
  }
  return rules
}
