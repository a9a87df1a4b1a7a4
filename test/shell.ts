/** Splits a documented command line into words as a POSIX shell would (quotes only; no expansions). */
export const shellWords = (line: string): Array<string> => {
  const words: Array<string> = []
  const pattern = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g
  for (const match of line.matchAll(pattern)) words.push(match[1]?.replace(/\\(.)/g, "$1") ?? match[2] ?? match[3]!)
  return words
}
