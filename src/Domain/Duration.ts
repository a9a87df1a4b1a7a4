/**
 * Durations as operators write them: "250ms", "2s", "1.5s", "1m", "1h", or a bare number of seconds (the Python
 * original's `poll_interval = 2.0`). Exported for the CLI's `--for` / `--timeout` / `--max-age` too.
 */

/** How a duration may be written, for error messages. */
export const DURATION_HINT = "e.g. 250ms, 2s, 1.5s, 1m, 1h or a number of seconds"

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const

const PATTERN = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*(ms|s|m|h)?$/i

const isUnit = (unit: string): unit is keyof typeof UNIT_MS => unit in UNIT_MS

/**
 * Whole milliseconds (rounded), or undefined if `input` is not a duration. A sign is accepted so callers can say
 * "must be positive" rather than "not a duration"; they check the range.
 */
export const parseDurationMs = (input: string | number): number | undefined => {
  if (typeof input === "number") return Number.isFinite(input) ? Math.round(input * 1_000) : undefined
  const match = PATTERN.exec(input.trim())
  if (match === null) return undefined
  const unit = (match[2] ?? "s").toLowerCase()
  if (!isUnit(unit)) return undefined
  const ms = Math.round(Number(match[1]) * UNIT_MS[unit])
  return Number.isSafeInteger(ms) ? ms : undefined
}

/** `850 ms`, `15 s`, `42.1 s`. */
export const formatMs = (ms: number): string =>
  Math.abs(ms) < 1_000 ? `${Math.round(ms)} ms` : `${Number((ms / 1_000).toFixed(1))} s`
