/**
 * What the supervisor knows about its link to the store: since when it fails, how the last good
 * look went, and — for a store that pushes its commits — the push connection (up or not, how often
 * it was reopened, the newest feed position it announced). Read into `SupervisorStatus.store`.
 */
import * as DateTime from "effect/DateTime"
import type { SharedStoreOutage } from "../Domain/Config.js"
import type { ActivityStoreService, StoreSignal } from "../Domain/Store.js"
import { StoreLink } from "../Domain/Supervision.js"
import type { StoreReplaced } from "../Domain/Supervision.js"

export class StoreLinkState {
  readonly shared: boolean
  /** A shared store's outage is the whole fleet's: under `stay-ready` it does not make this process unhealthy. */
  readonly outageExcused: boolean
  /** The newest feed position a push announced: ahead of the applied one, a tick need not ask whether anything changed. */
  pushedSeq = 0
  private downSince: number | null = null
  private lastSyncMs: number | null = null
  private listening: boolean | null
  private listenError: string | null = null
  private listenedOnce = false
  private reconnects = 0
  /** How often the store file was swapped and adopted, and the last time. */
  replacements = 0
  lastReplacement: StoreReplaced | null = null

  constructor(private readonly store: ActivityStoreService, private readonly outage: SharedStoreOutage) {
    this.shared = store.shared === true
    this.outageExcused = this.shared && outage === "stay-ready"
    this.listening = store.signals === undefined ? null : false
  }

  signal(signal: StoreSignal): void {
    switch (signal._tag) {
      case "Listening":
        if (this.listenedOnce) this.reconnects++
        this.listenedOnce = true
        this.listening = true
        this.listenError = null
        break
      case "Lost":
        this.listening = false
        this.listenError = signal.error
        break
      case "Changed":
        this.pushedSeq = Math.max(this.pushedSeq, signal.seq)
        break
    }
  }

  /** A look at the store failed at `at` (epoch ms). */
  failed(at: number): void {
    this.downSince ??= at
  }

  /**
   * A look succeeded, taking `ms`; returns since when the store had been failing (null: it had not).
   * While another part of the process still fails on the store (`stillFailing`), it stays down.
   */
  succeeded(ms: number, stillFailing = false): number | null {
    this.lastSyncMs = ms
    if (stillFailing) return null
    const down = this.downSince
    this.downSince = null
    return down
  }

  /** Every problem with the store has cleared. */
  recovered(): void {
    this.downSince = null
  }

  replaced(record: StoreReplaced): void {
    this.replacements++
    this.lastReplacement = record
  }

  link(state: {
    readonly reachable: boolean
    readonly loaded: boolean
    readonly lastGoodAt: number | null
    readonly error: string | null
    readonly held: number
  }): StoreLink {
    return new StoreLink({
      store: this.store.describe,
      shared: this.shared,
      reachable: state.reachable,
      listening: this.listening,
      failStatic: !state.reachable && state.loaded,
      downSince: this.downSince === null ? null : DateTime.unsafeMake(this.downSince),
      lastSyncAt: state.lastGoodAt === null ? null : DateTime.unsafeMake(state.lastGoodAt),
      lastSyncMs: this.lastSyncMs,
      // A lost push connection alone is worth saying too: propagation is down to the poll meanwhile.
      lastError: state.error ?? (this.listening === false ? this.listenError : null),
      reconnects: this.reconnects,
      outageReadiness: this.outage,
      storeId: this.store.identity?.() ?? null,
      replacements: this.replacements,
      lastReplacement: this.lastReplacement,
      held: state.held
    }, true)
  }
}
