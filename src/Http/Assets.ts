/**
 * The console's files (`src/Http/console/`, bundled by the build into `dist/console/`, shipped in
 * the package): read once when the server starts and served from memory with an ETag. They are the
 * same bytes for every installation and hold no data, so they are served to anyone; everything the
 * page shows comes through the reads, which the access rules guard.
 */
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { failure } from "./Respond.js"

export interface Asset {
  readonly body: Uint8Array
  readonly contentType: string
  readonly etag: string
}

/** Path served → file in the assets directory. */
const FILES: ReadonlyArray<readonly [string, string, string]> = [
  ["/", "index.html", "text/html; charset=utf-8"],
  ["/console/app.js", "app.js", "text/javascript; charset=utf-8"],
  ["/console/app.css", "app.css", "text/css; charset=utf-8"],
  ["/console/icon.svg", "icon.svg", "image/svg+xml"]
]

export const ASSET_PATHS: ReadonlyArray<string> = FILES.map(([route]) => route)

/**
 * Where the built assets are: next to the bundle (`dist/console`, the installed package), or, when
 * running from the sources (tests), in the build's output.
 */
export const defaultAssetsDir = (): string | undefined => {
  const here = typeof __dirname === "string" ? __dirname : undefined
  if (here === undefined) return undefined
  return [path.join(here, "console"), path.resolve(here, "..", "..", "dist", "console")].find((dir) => fs.existsSync(path.join(dir, "app.js")))
}

export type Assets = ReadonlyMap<string, Asset>

/** Every file, or the reason the console cannot be served (the probes and the API work regardless). */
export const loadAssets = (dir: string | undefined): Effect.Effect<Assets, string> =>
  Effect.suspend(() => {
    if (dir === undefined) return Effect.fail("the console's files (dist/console) were not found next to the program")
    const assets = new Map<string, Asset>()
    for (const [route, file, contentType] of FILES) {
      let body: Buffer
      try {
        body = fs.readFileSync(path.join(dir, file))
      } catch {
        return Effect.fail(`the console's file ${path.join(dir, file)} is missing`)
      }
      assets.set(route, { body, contentType, etag: `"${crypto.createHash("sha256").update(body).digest("base64url").slice(0, 22)}"` })
    }
    return Effect.succeed(assets)
  })

/** One file, or 304 when the browser has it already (`no-cache`: always asked, rarely sent). */
export const serveAsset = (asset: Asset) =>
  Effect.map(HttpServerRequest.HttpServerRequest, (request) => {
    const headers = { etag: asset.etag, "cache-control": "no-cache" }
    return request.headers["if-none-match"] === asset.etag
      ? HttpServerResponse.empty({ status: 304, headers })
      : HttpServerResponse.uint8Array(asset.body, { contentType: asset.contentType, headers })
  })

export const assetsMissing = (reason: string) => failure(503, "ConsoleUnavailable", `${reason}; the probes and the API still work (rebuild the package: npm run build)`)
