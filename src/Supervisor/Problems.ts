/**
 * Problems other parts of the process report to the supervisor (the instance heartbeat cannot write,
 * the snapshot cannot be written, keys are held after a store replacement), which of them are the
 * store's, and who wants to hear when `healthy` flips (the snapshot writer rewrites the file then).
 */
export class Problems {
  private readonly bySource = new Map<string, string>()
  private readonly ofStore = new Set<string>()
  private readonly listeners = new Set<(healthy: boolean) => void>()
  private notified = true

  /** `isHealthy` is the supervisor's verdict, which counts these problems among other things. */
  constructor(private readonly isHealthy: () => boolean) {}

  has(source: string): boolean {
    return this.bySource.has(source)
  }

  /** Report (a message) or clear (`null`) `source`'s problem; says whether it had one before. */
  set(source: string, problem: string | null, cause?: "store"): boolean {
    const had = this.bySource.has(source)
    if (problem === null) this.bySource.delete(source)
    else this.bySource.set(source, problem)
    if (problem !== null && cause === "store") this.ofStore.add(source)
    else this.ofStore.delete(source)
    this.notify()
    return had
  }

  /** The sources that count against `healthy`: without the store's when a store outage is excused. */
  counted(excuseStore: boolean): Array<string> {
    return excuseStore ? [...this.bySource.keys()].filter((source) => !this.ofStore.has(source)) : [...this.bySource.keys()]
  }

  get storeCount(): number {
    return this.ofStore.size
  }

  /** `source: message; …` of every problem (or only the store's), or null when there is none. */
  message(onlyStore = false): string | null {
    const sources = onlyStore ? [...this.ofStore] : [...this.bySource.keys()]
    return sources.map((source) => `${source}: ${this.bySource.get(source)}`).join("; ") || null
  }

  onChange(listener: (healthy: boolean) => void): () => void {
    this.listeners.add(listener)
    return () => void this.listeners.delete(listener)
  }

  /** Tell the listeners if `healthy` flipped since they last heard. */
  notify(): void {
    const healthy = this.isHealthy()
    if (healthy === this.notified) return
    this.notified = healthy
    for (const listener of this.listeners) listener(healthy)
  }
}
