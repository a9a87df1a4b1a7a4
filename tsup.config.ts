import { copyFileSync, existsSync, readFileSync } from "node:fs"
import { defineConfig } from "tsup"

/**
 * The library's modules, from the one list there is: package.json "exports". Each subpath
 * `"./Name": { "types": "./dist/Name.d.ts", "import": "./dist/Name.js" }` is built from `src/Name.ts`
 * (`"."` from `src/index.ts`), so a new public service is one entry there and nothing here.
 * The declarations come from `tsc -p tsconfig.build.json` (scripts/build.mjs), which emits every
 * `src/Name.ts` as `dist/Name.d.ts` with its declaration map.
 */
const libraryEntries = (): Record<string, string> => {
  const pkg: { readonly exports: Record<string, string | { readonly types: string; readonly import: string }> } = JSON.parse(
    readFileSync("package.json", "utf8")
  )
  const entries: Record<string, string> = {}
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    if (typeof target === "string") continue // "./package.json"
    const name = subpath === "." ? "index" : subpath.slice(2)
    const source = `src/${name}.ts`
    if (!/^[A-Za-z][A-Za-z0-9]*$/.test(name) || target.import !== `./dist/${name}.js` || target.types !== `./dist/${name}.d.ts`) {
      throw new Error(`package.json exports["${subpath}"]: expected { "types": "./dist/${name}.d.ts", "import": "./dist/${name}.js" }`)
    }
    if (!existsSync(source)) throw new Error(`package.json exports["${subpath}"]: ${source} does not exist`)
    entries[name] = source
  }
  return entries
}

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
    // Without comments and indentation: a third smaller, and ASCII only (the comments esbuild keeps hold
    // dashes and arrows), so V8 holds the source as one byte per character, not two: a start reads,
    // decodes and scans less. Names stay as they are (no other minification), so stack traces read.
    minifyWhitespace: true,
    // Bundle every dependency but the native addon, which must load from node_modules.
    noExternal: [/^(?!better-sqlite3)/],
    external: ["better-sqlite3"],
    // No `shims`: nothing bundled uses `import.meta` today, and tsup's shim would add an init call
    // to every module. scripts/build-cli.mjs warns should `import.meta` ever appear in the bundle.
    onSuccess: "node scripts/build-cli.mjs"
  },
  // The library: one ES module per public subpath, the code they share in dist/chunks/. Every
  // package stays external (`packages: "external"`), so an embedding app's own single copy of effect
  // (and of the @effect/* peers) is the one the library runs on.
  {
    entry: libraryEntries(),
    format: ["esm"],
    target: "node20",
    platform: "node",
    clean: false,
    splitting: true,
    dts: false,
    esbuildOptions: (options) => {
      options.packages = "external"
      options.chunkNames = "chunks/[name]-[hash]"
    }
  },
  // The operator console (src/Http/console): one browser script and its stylesheet, plus the page
  // and its icon copied as they are, into dist/console, which the package ships and `run` serves.
  {
    entry: { "console/app": "src/Http/console/app.ts" },
    format: ["iife"],
    outExtension: () => ({ js: ".js" }),
    platform: "browser",
    target: "es2022",
    minify: true,
    clean: false,
    dts: false,
    onSuccess: async () => {
      for (const file of ["index.html", "icon.svg"]) copyFileSync(`src/Http/console/${file}`, `dist/console/${file}`)
    }
  }
])
