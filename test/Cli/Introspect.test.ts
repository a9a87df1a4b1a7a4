/** The command table is read from @effect/cli's descriptors: should a new version change them, this fails first. */
import { describe, expect, it } from "vitest"
import { commandTable } from "../../src/Cli.js"
import { findCommand } from "../../src/Cli/Introspect.js"

describe("the command table", () => {
  it("has every command, its options with aliases, placeholders and descriptions, and its arguments", () => {
    expect(commandTable.name).toBe("oneiric")
    expect(commandTable.commands.map((c) => c.name)).toEqual(["activity", "pause", "drain", "resume", "health", "supervisor-info", "migrate", "run"])
    expect(commandTable.rootOptions.map((o) => o.name)).toEqual(expect.arrayContaining(["--config", "--profile", "--cache-dir"]))
    const pause = findCommand(commandTable, "pause")!
    expect(pause.options.find((o) => o.name === "--domain")).toMatchObject({ aliases: ["-d"], takesValue: true, placeholder: "DOMAIN" })
    expect(pause.options.find((o) => o.name === "--dry-run")).toMatchObject({ takesValue: false })
    expect(pause.options.find((o) => o.name === "--for")).toMatchObject({ takesValue: true, placeholder: "DUR", description: expect.stringMatching(/30m/) })
    expect(pause.args).toEqual([{ name: "KEY", description: expect.stringMatching(/same as --key/), optional: true }])
    const activity = findCommand(commandTable, "activity")!
    expect(activity.options.find((o) => o.name === "--limit")).toMatchObject({ takesValue: true, placeholder: "N" })
    expect(activity.args).toEqual([])
    expect(findCommand(commandTable, "run")!.options.find((o) => o.name === "--port")).toMatchObject({ placeholder: "PORT" })
  })
})
