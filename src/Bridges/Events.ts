/**
 * Events bridge (DESIGN §4): every handler of a topic runs under its own key in domain `event`. A
 * refused handler is reported `rejected`, never `failed`, so nobody retries a pause as an error;
 * `defer` handlers wait (bounded) for their key to reopen instead.
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { DuplicateHandler, HandlerDelivered, HandlerFailed, HandlerRejected } from "../Domain/Dispatch.js"
import type { HandlerOutcome, HandlerResult } from "../Domain/Dispatch.js"
import { Supervisor } from "../Supervisor.js"
import { WorkGate } from "../WorkGate.js"
import { causeMessage } from "../Domain/Errors.js"
import { runWhenOpen } from "./Units.js"

/** `drop`: a refused handler is skipped for this event; `defer`: wait for its key, at most `timeoutMs`. */
export type HandlerPolicy = "drop" | { readonly defer: { readonly timeoutMs: number } }

export interface EventHandler<Topic extends string, Payload, R = never> {
  readonly topic: Topic
  /** The handler's own key in domain `event` (what operators pause). */
  readonly key: string
  readonly handle: (event: Payload) => Effect.Effect<unknown, unknown, R>
  readonly policy: HandlerPolicy
}

/** `Topics` maps each topic to its payload type. */
export interface EventDispatcher<Topics extends Record<string, unknown>> {
  /** Add a handler; its requirements are captured now, so dispatch needs none. */
  readonly register: <T extends keyof Topics & string, R = never>(
    handler: EventHandler<T, Topics[T], R>
  ) => Effect.Effect<void, DuplicateHandler, R>
  /** Remove the handler registered under `(topic, key)`; `false` when there was none. */
  readonly unregister: (topic: keyof Topics & string, key: string) => Effect.Effect<boolean>
  /** Run every handler of the topic concurrently; one result each, in registration order. */
  readonly dispatch: <T extends keyof Topics & string>(topic: T, payload: Topics[T]) => Effect.Effect<ReadonlyArray<HandlerResult>>
  /** The keys of the topic's handlers, in registration order. */
  readonly handlers: (topic: keyof Topics & string) => ReadonlyArray<string>
}

interface Registered {
  readonly key: string
  readonly policy: HandlerPolicy
  readonly handle: (event: unknown) => Effect.Effect<unknown, unknown>
}

export const makeEventDispatcher = <Topics extends Record<string, unknown> = Record<string, unknown>>(): Effect.Effect<
  EventDispatcher<Topics>,
  never,
  WorkGate | Supervisor
> =>
  Effect.gen(function*() {
    const gate = yield* WorkGate
    const supervisor = yield* Supervisor
    const byTopic = new Map<string, Array<Registered>>()

    const deliver = (topic: string, handler: Registered, payload: unknown): Effect.Effect<HandlerResult> => {
      // The handler's exit is captured inside the gate, so the only error left is the gate's own refusal.
      const attempt = gate.run("event", handler.key, Effect.exit(handler.handle(payload)))
      const waitMs = handler.policy === "drop" ? null : handler.policy.defer.timeoutMs
      return Effect.map(Effect.provideService(runWhenOpen(attempt, waitMs), Supervisor, supervisor), (gated): HandlerResult => {
        if (gated._tag === "Refused") {
          const { note, rule, state } = gated.refusal
          return new HandlerRejected({ outcome: "rejected", topic, key: handler.key, state, rule, note, timedOut: gated.timedOut })
        }
        const exit = gated.value
        if (Exit.isFailure(exit)) return new HandlerFailed({ outcome: "failed", topic, key: handler.key, message: causeMessage(exit.cause) })
        return new HandlerDelivered({
          outcome: "delivered",
          topic,
          key: handler.key,
          value: exit.value,
          ...(gated.waited ? { deferredMs: gated.waitedMs } : {})
        })
      })
    }

    const service: EventDispatcher<Topics> = {
      register: <T extends keyof Topics & string, R = never>(handler: EventHandler<T, Topics[T], R>) =>
        Effect.gen(function*() {
          const context = yield* Effect.context<R>()
          const list = byTopic.get(handler.topic) ?? []
          if (list.some((h) => h.key === handler.key)) return yield* new DuplicateHandler({ topic: handler.topic, key: handler.key })
          // Payloads reach `handle` only through `dispatch`, whose signature ties them to the topic.
          const handle = (event: unknown) => Effect.provide(handler.handle(event as Topics[T]), context)
          byTopic.set(handler.topic, [...list, { key: handler.key, policy: handler.policy, handle }])
        }),
      unregister: (topic, key) =>
        Effect.sync(() => {
          const list = byTopic.get(topic) ?? []
          const kept = list.filter((h) => h.key !== key)
          byTopic.set(topic, kept)
          return kept.length !== list.length
        }),
      dispatch: (topic, payload) =>
        Effect.suspend(() => {
          // A snapshot: handlers registered while this event is out do not receive it.
          const handlers = byTopic.get(topic) ?? []
          return Effect.forEach(handlers, (handler) => deliver(topic, handler, payload), { concurrency: "unbounded" })
        }),
      handlers: (topic) => (byTopic.get(topic) ?? []).map((h) => h.key)
    }
    return service
  })

/** How many handlers ended each way: `{ delivered, failed, rejected }`. */
export const countByOutcome = (results: ReadonlyArray<HandlerResult>): Record<HandlerOutcome, number> => {
  const counts: Record<HandlerOutcome, number> = { delivered: 0, failed: 0, rejected: 0 }
  for (const result of results) counts[result.outcome]++
  return counts
}
