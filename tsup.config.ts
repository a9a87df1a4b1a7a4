import { defineConfig } from "tsup"

// One bundled ESM bin: start-up time is a feature (see README "Performance").
export default defineConfig({
  entry: { bin: "src/bin.ts", index: "src/index.ts" },
  format: ["esm"],
  target: "node20",
  platform: "node",
  bundle: true,
  splitting: true,
  treeshake: true,
  clean: true,
  sourcemap: false,
  // Native addon: must be loaded from node_modules at run time.
  external: ["better-sqlite3"],
  // Some bundled dependencies call `require`; give the ESM bundle one.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" }
})
