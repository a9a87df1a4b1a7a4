/** Renders the model into the page's skeleton: one function per section, each replacing only its own rows. */
import { byId, cell, h, time } from "./dom.js"
import type { ConsoleModel, HistoryFilter, KeyFilter, KeyState, Row } from "./model.js"
import { countdown, filterHistory, filterKeys } from "./model.js"

/** Keys per page: the table stays light whatever the number of keys. */
export const PAGE_SIZE = 50
/** Timeline entries shown (the filtered history can be longer). */
const TIMELINE_SHOWN = 200

const DOMAINS = ["adapter", "service", "task", "event", "workflow", "action"]

const badge = (state: KeyState | string) => h("span", { class: `state state-${state}` }, state)

/** An expiry countdown, kept current by `tickCountdowns`. */
const expires = (at: number | null, now: number) => (at === null ? "–" : h("span", { class: "countdown", "data-expires": at }, countdown(at, now)))

export const tickCountdowns = (now: number): void => {
  for (const element of document.querySelectorAll<HTMLElement>("[data-expires]")) {
    element.textContent = countdown(Number(element.dataset["expires"]), now)
  }
}

export const fillDomainOptions = (): void => {
  for (const id of ["key-domain", "history-domain"]) {
    byId(id, HTMLSelectElement).append(...DOMAINS.map((d) => h("option", { value: d }, d)))
  }
}

export const renderHealth = (model: ConsoleModel): void => {
  const health = model.health
  if (health === null) return
  const ready = health.readiness.ready
  const readiness = byId("readiness", HTMLParagraphElement)
  readiness.textContent = ready ? "ready" : "not ready"
  readiness.className = `badge ${ready ? "ok" : "bad"}`
  byId("reasons", HTMLUListElement).replaceChildren(...health.readiness.reasons.map((reason) => h("li", {}, reason)))
  byId("checks", HTMLTableSectionElement).replaceChildren(
    ...(health.readiness.checks ?? []).map((c) => h("tr", {}, cell(c.name), cell(c.ok ? "yes" : h("strong", {}, "no")), cell(c.detail ?? "–")))
  )
  const components = health.components
  byId("components", HTMLTableSectionElement).replaceChildren(
    ...(components.length === 0
      ? [h("tr", {}, h("td", { colspan: 4, class: "muted" }, "No components registered."))]
      : components.map((c) => h("tr", {}, cell(c.domain), cell(c.key), cell(badge(c.state)), cell(c.last_error ?? "–"))))
  )
}

export interface KeyPage {
  readonly page: number
  readonly pages: number
}

/** One page of the filtered keys; `act` fills the action form for a key. */
export const renderKeys = (model: ConsoleModel, filter: KeyFilter, page: number, act: ((domain: string, key: string) => void) | null): KeyPage => {
  const now = model.now()
  const keys = filterKeys(model, filter, now)
  const pages = Math.max(1, Math.ceil(keys.length / PAGE_SIZE))
  const current = Math.min(Math.max(0, page), pages - 1)
  const shown = keys.slice(current * PAGE_SIZE, (current + 1) * PAGE_SIZE)
  const total = model.keys().length
  const loading = model.pending > 0 ? `, ${model.pending.toLocaleString("en")} more loading…` : ""
  byId("key-count", HTMLParagraphElement).textContent = (keys.length === total
    ? `${total.toLocaleString("en")} keys`
    : `${keys.length.toLocaleString("en")} of ${total.toLocaleString("en")} keys match`) + loading
  byId("key-rows", HTMLTableSectionElement).replaceChildren(...shown.map((view) => {
    const { state, effective } = model.stateOf(view.domain, view.key, now)
    const row = view.row
    const stateCell = cell(badge(state), effective.rule === null ? null : h("span", { class: "muted" }, ` by rule ${effective.rule}`))
    const button = act === null ? null : h("button", { type: "button", class: "small", "aria-label": `Act on ${view.domain}/${view.key}` }, "Act…")
    button?.addEventListener("click", () => act?.(view.domain, view.key))
    return h("tr", { "data-key": `${view.domain}/${view.key}` },
      cell(view.domain), cell(h("code", {}, view.key)), stateCell, cell(effective.note ?? "–"),
      cell(row?.updated_by ?? "–"), cell(time(row?.updated_at ?? null)), cell(row?.source ?? "–"),
      cell(expires(effective.expiresAt, now)), cell(String(model.inflight(view.domain, view.key))), cell(button))
  }))
  byId("page-label", HTMLSpanElement).textContent = `page ${current + 1} of ${pages}`
  byId("page-prev", HTMLButtonElement).disabled = current === 0
  byId("page-next", HTMLButtonElement).disabled = current >= pages - 1
  return { page: current, pages }
}

const ruleState = (model: ConsoleModel, rule: Row): KeyState => {
  const own = rule.paused ? "paused" : rule.draining ? "draining" : "note-only"
  return own === "draining" && model.inflight(rule.domain, rule.key) === 0 ? "drained" : own
}

export const renderRules = (model: ConsoleModel): void => {
  const now = model.now()
  const rules = model.rules()
  byId("rules-empty", HTMLParagraphElement).hidden = rules.length > 0
  byId("rule-table", HTMLTableElement).hidden = rules.length === 0
  byId("rule-rows", HTMLTableSectionElement).replaceChildren(...rules.map((rule) =>
    h("tr", {},
      cell(h("code", {}, `${rule.domain}/${rule.key}`)), cell(badge(ruleState(model, rule))), cell(rule.note ?? "–"),
      cell(rule.updated_by ?? "–", " ", time(rule.updated_at)), cell(expires(rule.expires_at === null ? null : Date.parse(rule.expires_at), now)),
      cell(`${model.covered(rule.domain, rule.key).toLocaleString("en")} keys`), cell(String(model.inflight(rule.domain, rule.key))))
  ))
}

export const renderInstances = (model: ConsoleModel): void => {
  const instances = model.instances
  byId("instance-rows", HTMLTableSectionElement).replaceChildren(...(instances.length === 0
    ? [h("tr", {}, h("td", { colspan: 5, class: "muted" }, "No instance has reported yet."))]
    : instances.map((i) => {
      const total = i.inflight.reduce((n, c) => n + c.count, 0)
      const perKey = i.inflight.map((c) => `${c.domain}/${c.key}: ${c.count}`).join(", ")
      return h("tr", { class: i.live ? "" : "stale" },
        cell(h("code", {}, i.id), i.self ? h("span", { class: "muted" }, " (this server)") : null, h("br"), h("span", { class: "muted" }, `${i.host}, pid ${i.pid}`)),
        cell(badge(i.live ? "live" : "stale")), cell(time(i.started_at)), cell(`seq ${i.applied_seq}`),
        cell(String(total), perKey === "" ? null : h("span", { class: "muted" }, ` (${perKey})`)))
    })))
}

export const renderHistory = (model: ConsoleModel, filter: HistoryFilter): void => {
  const matching = filterHistory(model.history, filter)
  const n = model.history.length
  byId("history-count", HTMLParagraphElement).textContent = n === 0
    ? "No transitions recorded yet."
    : matching.length === n
    ? `the ${n === 1 ? "only transition" : `${n} most recent transitions`}, newest first`
    : `${matching.length} of the ${n} most recent transitions match`
  byId("timeline", HTMLOListElement).replaceChildren(...matching.slice(0, TIMELINE_SHOWN).map((t) => {
    const flags = [t.paused ? "paused" : "", t.draining ? "draining" : ""].filter(Boolean).join(" + ") || "accepting"
    return h("li", {},
      time(t.at), " ", h("code", {}, `${t.domain}/${t.key}`), " ", h("strong", {}, t.action), ` → ${flags}`,
      h("span", { class: "muted" }, ` by ${t.actor ?? "?"} via ${t.source ?? "?"} (seq ${t.seq})`),
      t.note === null ? null : h("q", {}, t.note))
  }))
}
