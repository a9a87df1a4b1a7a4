/** The stored keys a key that has no row may be a typo of. */
import * as Effect from "effect/Effect"
import type { Domain } from "../Domain/Domain.js"
import { isWildcard } from "../Domain/ActivityKey.js"
import type { ActivityKey } from "../Domain/ActivityKey.js"
import type { ActivityStoreService } from "../Domain/Store.js"
import { suggest } from "./DidYouMean.js"

/**
 * Stored keys of `domain` within a few edits of `key` (not `key` itself, no wildcard rules), nearest
 * first. One read of the domain's rows and a bounded comparison each: at 100,000 keys the read costs
 * more than the comparing. A store that cannot be read suggests nothing.
 */
export const nearKeys = (store: ActivityStoreService, domain: Domain, key: string): Effect.Effect<ReadonlyArray<ActivityKey>> =>
  isWildcard(key)
    ? Effect.succeed<ReadonlyArray<ActivityKey>>([])
    : store.list({ domain }).pipe(
      Effect.map((rows) => suggest(key, rows.flatMap((row) => (isWildcard(row.key) ? [] : [row.key])), { limit: 3 })),
      Effect.orElseSucceed((): ReadonlyArray<ActivityKey> => [])
    )
