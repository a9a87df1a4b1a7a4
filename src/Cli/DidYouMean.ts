/**
 * "Did you mean …?": the candidates nearest to a mistyped word by optimal-string-alignment distance
 * (Levenshtein plus adjacent transpositions, so `--fro` finds `--for`). Bounded: a candidate whose
 * length alone rules it out costs one comparison, and every other one a band of the table that is
 * abandoned as soon as it cannot come within the limit — 100,000 stored keys take milliseconds.
 */

/** The most edits a suggestion may be away: none for one or two characters, 1 for short words, at most 2. */
export const maxEditsFor = (word: string): number => (word.length <= 2 ? 0 : Math.min(2, Math.max(1, Math.floor(word.length / 3))))

/** ASCII letters compared without case (keys and option names are ASCII; anything else as is). */
const fold = (code: number) => (code >= 65 && code <= 90 ? code | 0x20 : code)

/** Three rows of the table, reused from call to call: comparing 100,000 keys allocates nothing. */
let rows: [Int32Array, Int32Array, Int32Array] = [new Int32Array(64), new Int32Array(64), new Int32Array(64)]

/** The edit distance between `a` and `b`, ignoring ASCII case, if it is at most `limit`; else `limit + 1`. */
export const distanceWithin = (a: string, b: string, limit: number): number => {
  if (Math.abs(a.length - b.length) > limit) return limit + 1
  if (a === b) return 0
  const width = b.length + 1
  if (rows[0].length < width) rows = [new Int32Array(width * 2), new Int32Array(width * 2), new Int32Array(width * 2)]
  let [older, previous, current] = rows
  for (let j = 0; j < width; j++) previous[j] = j
  for (let i = 1; i <= a.length; i++) {
    current[0] = i
    let rowMin = i
    // Only cells within `limit` of the diagonal can stay within the limit.
    const from = Math.max(1, i - limit)
    const to = Math.min(b.length, i + limit)
    if (from > 1) current[from - 1] = limit + 1
    for (let j = from; j <= to; j++) {
      const cost = fold(a.charCodeAt(i - 1)) === fold(b.charCodeAt(j - 1)) ? 0 : 1
      let d = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost)
      if (i > 1 && j > 1 && fold(a.charCodeAt(i - 1)) === fold(b.charCodeAt(j - 2)) && fold(a.charCodeAt(i - 2)) === fold(b.charCodeAt(j - 1))) {
        d = Math.min(d, older[j - 2]! + 1)
      }
      current[j] = d
      if (d < rowMin) rowMin = d
    }
    if (to < b.length) current[to + 1] = limit + 1
    if (rowMin > limit) return limit + 1
    const recycled = older
    older = previous
    previous = current
    current = recycled
  }
  return Math.min(previous[b.length]!, limit + 1)
}

export interface SuggestOptions {
  /** At most this many edits away (default: `maxEditsFor(word)`). */
  readonly maxEdits?: number
  /** At most this many suggestions, nearest first (default 3). */
  readonly limit?: number
  /** Also suggest a candidate that `word` is the start of, when only one is (`--dry` → `--dry-run`). */
  readonly prefixes?: boolean
}

/**
 * The candidates nearest to `word` (all at the smallest distance found, in the candidates' order); a
 * candidate that differs only in (ASCII) case counts as nearest. Never `word` itself.
 */
export const suggest = <S extends string>(word: string, candidates: Iterable<S>, options: SuggestOptions = {}): Array<S> => {
  const maxEdits = options.maxEdits ?? maxEditsFor(word)
  const lower = word.toLowerCase()
  const found: Array<{ readonly candidate: S; readonly distance: number; readonly order: number }> = []
  const prefixed: Array<S> = []
  let order = 0
  for (const candidate of candidates) {
    order++
    if (candidate === word) continue
    const distance = distanceWithin(word, candidate, maxEdits)
    if (distance <= maxEdits) found.push({ candidate, distance, order })
    else if (options.prefixes === true && lower.length >= 3 && candidate.toLowerCase().startsWith(lower)) prefixed.push(candidate)
  }
  if (found.length === 0) return prefixed.length === 1 ? prefixed : []
  // Only the nearest: a key one edit away makes one two edits away noise.
  const nearest = Math.min(...found.map((f) => f.distance))
  return found
    .filter((f) => f.distance === nearest)
    .sort((x, y) => x.order - y.order)
    .slice(0, options.limit ?? 3)
    .map((f) => f.candidate)
}

/** ` (did you mean a?)`, ` (did you mean a or b?)`, or nothing. */
export const didYouMean = (suggestions: ReadonlyArray<string>): string => {
  if (suggestions.length === 0) return ""
  const listed = suggestions.length === 1 ? suggestions[0]! : `${suggestions.slice(0, -1).join(", ")} or ${suggestions.at(-1)!}`
  return ` (did you mean ${listed}?)`
}
