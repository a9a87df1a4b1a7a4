/**
 * @effect/cli only accepts root options before the subcommand; operators type them anywhere
 * (`oneiric pause … --profile serverless`). Move root options that follow the subcommand in front of it.
 */
const ROOT_OPTIONS = ["--config", "--profile", "--cache-dir"] as const

const rootOptionOf = (token: string) =>
  ROOT_OPTIONS.find((name) => token === name || token.startsWith(`${name}=`))

/** `argv` as `process.argv` has it (`node`, script, args…), with root options hoisted before the subcommand. */
export const hoistRootOptions = (argv: ReadonlyArray<string>): Array<string> => {
  const [node = "node", script = "oneiric", ...args] = argv
  const hoisted: Array<string> = []
  const rest: Array<string> = []
  let subcommandAt = -1
  for (let i = 0; i < args.length; i++) {
    const token = args[i]!
    const root = rootOptionOf(token)
    if (root !== undefined) {
      const takesNext = token === root && i + 1 < args.length
      const option = takesNext ? [token, args[++i]!] : [token]
      if (subcommandAt === -1) rest.push(...option)
      else hoisted.push(...option)
      continue
    }
    if (token === "--") {
      rest.push(...args.slice(i))
      break
    }
    if (subcommandAt === -1 && !token.startsWith("-")) subcommandAt = rest.length
    rest.push(token)
  }
  if (subcommandAt === -1) return [node, script, ...rest, ...hoisted]
  return [node, script, ...rest.slice(0, subcommandAt), ...hoisted, ...rest.slice(subcommandAt)]
}
