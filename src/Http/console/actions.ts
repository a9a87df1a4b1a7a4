/**
 * Pause, drain and resume from the page: the form, a confirmation built from the server's own dry
 * run (it names the key and, for a wildcard, how many stored keys it covers), then the transition
 * and its result in words. A drain is then followed live until nothing is in flight anywhere.
 */
import type { TransitionReport } from "../../Domain/Report.js"
import type { TransitionBody } from "../Wire.js"
import { byId, h } from "./dom.js"
import { call } from "./live.js"
import type { Answer } from "./live.js"
import type { ConsoleModel } from "./model.js"
import { drainProgress, isWildcard } from "./model.js"

type Report = typeof TransitionReport.Encoded
type Body = Omit<typeof TransitionBody.Encoded, "dry_run">

const ACTOR_KEY = "oneiric.actor"

const PAST = { pause: "Paused", drain: "Draining", resume: "Resumed", "clear-pause": "Cleared the pause of", "clear-drain": "Cleared the drain of" } as const
const UNCHANGED = { pause: "was already paused", drain: "was already draining", resume: "was not paused or draining", "clear-pause": "was not paused", "clear-drain": "was not draining" } as const

/** What a transition did, as the CLI says it. */
export const describeReport = (report: Report): string => {
  const target = `${report.domain}/${report.key}`
  if (!report.changed) return `${target} ${UNCHANGED[report.action]}: nothing changed (effective: ${report.effective.state}).`
  const by = report.transition?.actor ? ` by ${report.transition.actor}` : ""
  const until = report.after?.expires_at ? `, until ${report.after.expires_at}` : ""
  return `${PAST[report.action]} ${target}${by}${until}. Effective: ${report.effective.state}; affects ${report.affected_keys.length} stored key(s).`
}

/** The confirmation's question and detail, from the dry run. */
export const confirmation = (body: Body, preview: Report): { readonly title: string; readonly detail: string; readonly button: string } => {
  const target = `${body.domain}/${body.key}`
  const verb = body.action === "pause" ? "Pause" : body.action === "drain" ? "Drain" : "Resume"
  const others = preview.affected_keys.filter((k) => k !== body.key).length
  const scope = isWildcard(body.key)
    ? `This wildcard rule covers ${others.toLocaleString("en")} stored key${others === 1 ? "" : "s"} in ${body.domain} now, and every key under it from now on.`
    : "Only this key."
  const effect = body.action === "pause"
    ? "New work is refused; work already running finishes."
    : body.action === "drain"
    ? "New work is refused and the page follows the work still running until it has finished."
    : "Work is accepted again (the pause, the drain and the note are cleared)."
  const unchanged = preview.changed ? "" : " Nothing would change: it is in that state already."
  return { title: `${verb} ${target}?`, detail: `${scope} ${effect}${unchanged}`, button: `${verb} ${target}` }
}

export interface ActionsContext {
  readonly model: ConsoleModel
  readonly token: () => string | null
  /** The token was refused: forget it and ask again. */
  readonly refused: (message: string) => void
  readonly render: () => void
}

export const setupActions = (context: ActionsContext) => {
  const form = byId("action-form", HTMLFormElement)
  const result = byId("result", HTMLDivElement)
  const dialog = byId("confirm", HTMLDialogElement)
  const ok = byId("confirm-ok", HTMLButtonElement)
  const by = byId("act-by", HTMLInputElement)
  by.value = sessionStorage.getItem(ACTOR_KEY) ?? ""
  let pending: Body | null = null
  let drain: { readonly domain: string; readonly key: string; readonly seq: number } | null = null

  const say = (text: string, kind: "ok" | "error") => result.replaceChildren(h("p", { class: kind === "ok" ? "result ok" : "result error" }, text))

  const post = (body: Body, dryRun: boolean) => call<Report>("/api/transitions", { token: context.token(), method: "POST", json: { ...body, dry_run: dryRun } })

  const failed = (answer: Extract<Answer<Report>, { ok: false }>) => {
    if (answer.status === 401) context.refused(answer.message)
    say(`Refused (${answer.status}): ${answer.message}`, "error")
  }

  const optional = (id: string) => {
    const value = byId(id, HTMLInputElement).value.trim()
    return value === "" ? undefined : value
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault()
    const checked = form.querySelector<HTMLInputElement>("input[name=action]:checked")?.value
    const action = checked === "drain" ? "drain" : checked === "resume" ? "resume" : "pause"
    const body: Body = {
      action,
      domain: byId("act-domain", HTMLSelectElement).value,
      key: byId("act-key", HTMLInputElement).value.trim(),
      by: by.value.trim(),
      ...(optional("act-note") === undefined ? {} : { note: optional("act-note") }),
      ...(action === "resume" || optional("act-for") === undefined ? {} : { for: optional("act-for") }),
      ...(action === "resume" || optional("act-until") === undefined ? {} : { until: optional("act-until") })
    }
    sessionStorage.setItem(ACTOR_KEY, body.by ?? "")
    const preview = await post(body, true)
    if (!preview.ok) return failed(preview)
    const question = confirmation(body, preview.body)
    byId("confirm-title", HTMLHeadingElement).textContent = question.title
    byId("confirm-detail", HTMLParagraphElement).textContent = question.detail
    ok.textContent = question.button
    pending = body
    dialog.showModal()
    ok.focus()
  })

  byId("confirm-cancel", HTMLButtonElement).addEventListener("click", () => {
    pending = null
    dialog.close()
  })
  dialog.addEventListener("close", () => {
    pending = null
  })

  ok.addEventListener("click", async () => {
    const body = pending
    dialog.close()
    if (body === null) return
    ok.disabled = true
    const answer = await post(body, false)
    ok.disabled = false
    if (!answer.ok) return failed(answer)
    say(describeReport(answer.body), "ok")
    drain = body.action === "drain" ? { domain: answer.body.domain, key: answer.body.key, seq: answer.body.seq } : null
    context.render()
  })

  return {
    /** Fill the form for a key from the table. */
    prefill: (domain: string, key: string) => {
      byId("act-domain", HTMLSelectElement).value = domain
      byId("act-key", HTMLInputElement).value = key
      byId("act-note", HTMLInputElement).focus()
    },
    /** The drain being followed, in words. */
    renderDrain: () => {
      const panel = byId("drain", HTMLDivElement)
      panel.hidden = drain === null
      if (drain === null) return
      const target = `${drain.domain}/${drain.key}`
      const progress = drainProgress(context.model, drain.domain, drain.key, drain.seq)
      byId("drain-text", HTMLParagraphElement).textContent = progress.done
        ? `${target} is drained: nothing in flight on ${progress.instances} live instance(s).`
        : `${target}: ${progress.inflight} in flight on ${progress.instances} live instance(s)` +
          (progress.pending > 0 ? `, ${progress.pending} yet to apply the drain.` : ".")
    }
  }
}
