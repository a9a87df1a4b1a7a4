import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

/** The kinds of unit of work the supervisor gates (DESIGN §3). Stored lower-case. */
export const Domains = ["adapter", "service", "task", "event", "workflow", "action"] as const

export const Domain = Schema.Literal(...Domains).annotations({ identifier: "Domain" })
export type Domain = typeof Domain.Type

/** How a domain that is not one is quoted: JSON-escaped, and cut short (a 10,000-character argument is not echoed). */
const quoted = (input: string) => {
  const chars = [...input]
  return chars.length <= 40 ? JSON.stringify(input) : `${JSON.stringify(chars.slice(0, 40).join(""))}… (${chars.length} characters)`
}

/** Operator input: any case, surrounding spaces (not other whitespace) ignored; decodes to the lower-case `Domain`. */
export const DomainFromInput = Schema.transformOrFail(Schema.String, Domain, {
  strict: true,
  decode: (input, _, ast) => {
    const domain = input.replace(/^ +| +$/g, "").toLowerCase()
    return isDomain(domain)
      ? ParseResult.succeed(domain)
      : ParseResult.fail(new ParseResult.Type(ast, input, `unknown domain ${quoted(input)}; expected one of: ${Domains.join(", ")}`))
  },
  encode: ParseResult.succeed
})

const isDomain = Schema.is(Domain)
