/** A plain-text table for human output: padded columns, one header row, nothing fancy. */
export const table = (headers: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  // A loop, not Math.max(...rows): spreading 125,000 arguments overflows the stack.
  const widths = headers.map((h) => h.length)
  for (const row of rows) {
    for (let i = 0; i < widths.length; i++) {
      const length = (row[i] ?? "").length
      if (length > widths[i]!) widths[i] = length
    }
  }
  return [tableLine(widths, headers), ...rows.map((row) => tableLine(widths, row))].join("\n")
}

/** One line of a table whose column widths are `widths`: every cell but the last padded. */
export const tableLine = (widths: ReadonlyArray<number>, cells: ReadonlyArray<string>): string => {
  let line = ""
  const last = cells.length - 1
  for (let i = 0; i < cells.length; i++) {
    line += i === last ? cells[i]! : `${cells[i]!.padEnd(widths[i]!)}  `
  }
  return line.trimEnd()
}

/** A cell for an optional value. */
export const cell = (value: string | number | null | undefined): string => (value === null || value === undefined ? "-" : String(value))
