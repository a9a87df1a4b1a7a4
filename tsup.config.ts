import { defineConfig } from "tsup"

export default defineConfig([
  // The CLI, because start-up time is a feature (docs/performance.md): one self-contained CommonJS
  // bundle, dist/oneiric.cjs, started by the tiny loader dist/bin.cjs, which compiles it through V8's
  // code cache (dist/oneiric.cjs.cache) instead of parsing a megabyte of JavaScript on every start.
  // CommonJS because only a classic script can use the code cache on Node 20 (ESM cannot, and
  // `module.enableCompileCache` only exists from Node 22). scripts/build-cli.mjs then installs the
  // loader and produces the cache from a representative run (`activity --json`).
  {
    entry: { oneiric: "src/bin.ts" },
    format: ["cjs"],
    outExtension: () => ({ js: ".cjs" }),
    target: "node20",
    platform: "node",
    clean: false,
    treeshake: true,
    // Bundle every dependency but the native addon, which must load from node_modules.
    noExternal: [/^(?!better-sqlite3)/],
    external: ["better-sqlite3"],
    // No `shims`: nothing bundled uses `import.meta` today, and tsup's shim would add an init call
    // to every module. scripts/build-cli.mjs warns should `import.meta` ever appear in the bundle.
    onSuccess: "node scripts/build-cli.mjs"
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
