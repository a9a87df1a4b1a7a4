import * as Schema from "effect/Schema"

export const MAX_KEY_LENGTH = 256

/** C0 controls, DEL and C1 controls: they corrupt tables, logs and terminals. */
export const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/

/**
 * Quotes, `;`, `\` and SQL comment openers. Every query is parameterised, so they could do no harm
 * there; they are refused (the foundation issue asks for it) so that a key or note pasted from a
 * shell or a query string never reaches a store, log or script that is less careful.
 */
export const SQL_METACHARACTERS = /['"`;\\]|--|\/\*/
export const SQL_METACHARACTERS_HINT = "quotes, ; \\ -- or /*"

/**
 * A unit of work's key: non-empty, at most 256 characters, no control characters.
 * `*` is the whole domain; `prefix.*` every key under `prefix.` (DESIGN §3).
 */
export const ActivityKey = Schema.String.pipe(
  Schema.filter((s) => {
    if (s.length === 0) return "key must not be empty"
    if (s.length > MAX_KEY_LENGTH) return `key is ${s.length} characters; at most ${MAX_KEY_LENGTH} allowed`
    if (CONTROL_CHARACTERS.test(s)) return "key must not contain control characters"
    if (SQL_METACHARACTERS.test(s)) return `key must not contain SQL metacharacters (${SQL_METACHARACTERS_HINT})`
    if (s.includes("*") && !isWildcardPattern(s)) return `"*" may only appear as the whole key or as a final ".*" (got ${JSON.stringify(s)})`
    return true
  }),
  Schema.brand("ActivityKey")
).annotations({ identifier: "ActivityKey" })
export type ActivityKey = typeof ActivityKey.Type

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
