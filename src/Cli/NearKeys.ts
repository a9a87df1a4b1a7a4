/** The stored keys a key that has no row may be a typo of. */
import * as Effect from "effect/Effect"
import type { Domain } from "../Domain/Domain.js"
import { isWildcard } from "../Domain/ActivityKey.js"
import type { ActivityKey } from "../Domain/ActivityKey.js"
import type { ActivityStoreService } from "../Domain/Store.js"
import { maxEditsFor, suggest } from "./DidYouMean.js"

/**
 * Stored keys of `domain` within a few edits of `key` (not `key` itself, no wildcard rules), nearest
 * first. Only keys whose length is within reach are read (a key two edits away differs in length by
 * two at most), and each is compared in a bounded band: 100,000 stored keys cost a fraction of a
 * second. A store that cannot be read suggests nothing.
 */
export const nearKeys = (store: ActivityStoreService, domain: Domain, key: string): Effect.Effect<ReadonlyArray<ActivityKey>> => {
  const edits = maxEditsFor(key)
  if (isWildcard(key) || edits === 0) return Effect.succeed<ReadonlyArray<ActivityKey>>([])
  return store.keys(domain, { min: key.length - edits, max: key.length + edits }).pipe(
    Effect.map((keys) => suggest(key, keys.filter((k) => !isWildcard(k)), { maxEdits: edits, limit: 3 })),
    Effect.orElseSucceed((): ReadonlyArray<ActivityKey> => [])
  )
}
