import * as Schema from "effect/Schema"

/** The kinds of unit of work the supervisor gates (DESIGN §3). Stored lower-case. */
export const Domains = ["adapter", "service", "task", "event", "workflow", "action"] as const

export const Domain = Schema.Literal(...Domains).annotations({ identifier: "Domain" })
export type Domain = typeof Domain.Type

/** Operator input: any case, trimmed; decodes to the lower-case `Domain`. */
export const DomainFromInput = Schema.transform(Schema.Trim, Schema.Lowercase, {
  strict: true,
  decode: (s) => s.toLowerCase(),
  encode: (s) => s
}).pipe(Schema.compose(Domain)).annotations({
  message: (issue) => `unknown domain ${JSON.stringify(issue.actual)}; expected one of: ${Domains.join(", ")}`
})
