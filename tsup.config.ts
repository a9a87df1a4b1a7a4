import { defineConfig } from "tsup"

export default defineConfig([
  // The CLI: one self-contained ESM bundle, because start-up time is a feature (README "Performance").
  {
    entry: { bin: "src/bin.ts" },
    format: ["esm"],
    target: "node20",
    platform: "node",
    clean: false,
    treeshake: true,
    // Bundle every dependency but the native addon, which must load from node_modules.
    noExternal: [/^(?!better-sqlite3)/],
    external: ["better-sqlite3"],
    // Some bundled dependencies call `require`; give the ESM bundle one.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" }
  },
  // The library entry: dependencies stay external so an embedding app shares its own copy of effect.
  {
    entry: { index: "src/index.ts" },
    format: ["esm"],
    target: "node20",
    platform: "node",
    clean: false,
    dts: false
  }
])
