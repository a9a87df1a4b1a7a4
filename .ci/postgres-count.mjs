// Prints how many tests the PostgreSQL suites ran (their describe names say "postgres"), from vitest's JSON report,
// and fails when there were none or any was skipped: under CI they must really run.
//   node .ci/postgres-count.mjs <vitest json>
import fs from "node:fs"

const report = JSON.parse(fs.readFileSync(process.argv[2], "utf8"))
const tests = report.testResults.flatMap((file) => file.assertionResults)
const postgres = tests.filter((t) => t.ancestorTitles.some((title) => /postgres/i.test(title)))
const count = (status) => postgres.filter((t) => t.status === status).length
const [passed, failed, skipped] = [count("passed"), count("failed"), postgres.length - count("passed") - count("failed")]
process.stdout.write(`PostgreSQL suites: ${postgres.length} tests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`)
if (postgres.length === 0 || skipped > 0 || failed > 0) {
  process.stderr.write("CI: the PostgreSQL suites did not all run and pass\n")
  process.exit(1)
}
