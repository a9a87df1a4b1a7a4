import { describe, expect, it } from "vitest"
import { distanceWithin, suggest } from "../../src/Cli/DidYouMean.js"

/** The textbook distance (optimal string alignment), for checking the banded one. */
const reference = (a: string, b: string): number => {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)))
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1)
    }
  }
  return d[a.length]![b.length]!
}

describe("did you mean", () => {
  it("the banded distance agrees with the full table within the limit, and says 'over' beyond it", () => {
    let seed = 7
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
    const word = () => Array.from({ length: 1 + Math.floor(random() * 8) }, () => "abcd"[Math.floor(random() * 4)]).join("")
    for (let n = 0; n < 5_000; n++) {
      const [a, b, limit] = [word(), word(), Math.floor(random() * 4)]
      const exact = reference(a, b)
      expect(distanceWithin(a, b, limit), `${a} ${b} ${limit}`).toBe(exact <= limit ? exact : limit + 1)
    }
  })

  it("finds transpositions, omissions and case slips; not what is too far", () => {
    expect(suggest("--fro", ["--for", "--until", "--note"])).toEqual(["--for"])
    expect(suggest("--nte", ["--for", "--note", "--json"])).toEqual(["--note"])
    expect(suggest("--dryrun", ["--dry-run", "--domain"])).toEqual(["--dry-run"])
    expect(suggest("paus", ["pause", "drain", "resume"])).toEqual(["pause"])
    expect(suggest("Reports.Daily", ["reports.daily"])).toEqual(["reports.daily"])
    expect(suggest("a", ["b", "c"])).toEqual([])
    expect(suggest("-y", ["-d", "-k"])).toEqual([])
    expect(suggest("--dry", ["--dry-run", "--domain"], { prefixes: true })).toEqual(["--dry-run"])
    expect(suggest("reports.daily", ["reports.daily"])).toEqual([])
  })

  it("bounded cost: only a band around the diagonal is computed, and a hopeless candidate is dropped early", () => {
    // Two 20,000-character strings: the whole table would be 400 million cells; the band is 100,000. The cost
    // is counted in characters read, not timed: a String object stands in for the first string.
    let reads = 0
    const counted = (text: string): string => {
      const wrapped = Object.assign(new String(text), {
        charCodeAt: (index: number) => {
          reads++
          return text.charCodeAt(index)
        }
      })
      return wrapped as unknown as string
    }
    const long = "ab".repeat(10_000)
    expect(distanceWithin(counted(long), long.slice(1) + "b", 2)).toBe(2)
    // At most a few reads for each of the band's 5 cells in each of the 20,000 rows (the whole table: billions).
    expect(reads).toBeGreaterThan(20_000)
    expect(reads).toBeLessThan(20_000 * 5 * 4)
    reads = 0
    expect(distanceWithin(counted(long), "cd".repeat(10_000), 2)).toBe(3)
    // Hopeless after three rows.
    expect(reads).toBeLessThan(100)
  })

  it("100,000 stored keys: the near miss is found among them", () => {
    const keys = Array.from({ length: 100_000 }, (_, i) => `service-${i % 97}.worker-${i}.queue`)
    expect(suggest("service-29.worker-420.queue", keys)).toContain("service-29.worker-4200.queue")
  })
})
