import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

/** The kinds of unit of work the supervisor gates (DESIGN §3). Stored lower-case. */
export const Domains = ["adapter", "service", "task", "event", "workflow", "action"] as const

export const Domain = Schema.Literal(...Domains).annotations({ identifier: "Domain" })
export type Domain = typeof Domain.Type

/** Operator input: any case, surrounding spaces ignored; decodes to the lower-case `Domain`. */
export const DomainFromInput = Schema.transformOrFail(Schema.String, Domain, {
  strict: true,
  decode: (input, _, ast) => {
    const domain = input.trim().toLowerCase()
    return isDomain(domain)
      ? ParseResult.succeed(domain)
      : ParseResult.fail(new ParseResult.Type(ast, input, `unknown domain ${JSON.stringify(input)}; expected one of: ${Domains.join(", ")}`))
  },
  encode: ParseResult.succeed
})

const isDomain = Schema.is(Domain)
