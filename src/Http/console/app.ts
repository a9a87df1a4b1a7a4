/**
 * The operator console: plain TypeScript and DOM, bundled by the build into `dist/console/app.js`.
 * It learns what it may do (`/api/access`), follows the state through `/events`, renders on the
 * next animation frame after a change (a burst of events costs one render), and acts through
 * `POST /api/transitions` with the admin token of this tab.
 */
import "./app.css"
import { setupActions } from "./actions.js"
import { byId, show } from "./dom.js"
import { fetchAccess, openStream, tokenStore } from "./live.js"
import type { Access, Stream } from "./live.js"
import { ConsoleModel } from "./model.js"
import type { HistoryFilter, KeyFilter, KeyState } from "./model.js"
import { fillDomainOptions, renderHealth, renderHistory, renderInstances, renderKeys, renderRules, tickCountdowns } from "./view.js"

/** Transitions the timeline keeps (the server sends the newest 500 on connect). */
const HISTORY_KEPT = 500
/** How long to wait before asking again after the server refused the stream or could not be reached. */
const RETRY_MS = 2_000

const model = new ConsoleModel()
let token = tokenStore.get()
let access: Access | null = null
let stream: Stream | null = null
let page = 0
let firstRender = true

const keyFilter = (): KeyFilter => {
  const state = byId("key-state", HTMLSelectElement).value
  const states: ReadonlyArray<KeyState> = ["accepting", "paused", "draining", "drained", "note-only"]
  return {
    domain: byId("key-domain", HTMLSelectElement).value,
    text: byId("key-text", HTMLInputElement).value,
    state: states.find((s) => s === state) ?? ""
  }
}

const historyFilter = (): HistoryFilter => ({
  domain: byId("history-domain", HTMLSelectElement).value,
  key: byId("history-key", HTMLInputElement).value,
  actor: byId("history-actor", HTMLInputElement).value,
  source: byId("history-source", HTMLSelectElement).value
})

const canWrite = () => access?.writes === "enabled" && access.authenticated

let scheduled = false
const render = () => {
  if (scheduled) return
  scheduled = true
  requestAnimationFrame(() => {
    scheduled = false
    draw()
  })
}

const actions = setupActions({
  model,
  token: () => token,
  refused: (message) => askForToken(`The server refused the token: ${message}`),
  render
})

const draw = () => {
  // Nothing to show before the first snapshot (the page says "connecting…").
  if (model.health === null) return
  byId("store", HTMLParagraphElement).textContent = `store: ${model.store}`
  renderHealth(model)
  page = renderKeys(model, keyFilter(), page, canWrite() ? actions.prefill : null).page
  renderRules(model)
  renderInstances(model)
  renderHistory(model, historyFilter())
  actions.renderDrain()
  if (firstRender) {
    firstRender = false
    // The first state is in the page: the browser test reports when it was painted (Element Timing
    // on the key count) and this mark (navigation start → the DOM holding the state).
    performance.mark("oneiric:first-state")
    document.body.dataset["state"] = "live"
  }
}

const setConnection = (text: string, kind: "ok" | "warn" | "bad") => {
  const element = byId("connection", HTMLParagraphElement)
  element.textContent = text
  element.className = `badge ${kind}`
}

const renderAccess = () => {
  const writable = canWrite()
  const label = access === null ? "" : writable ? "actions enabled" : access.writes === "disabled" ? "read-only: no admin token configured" : "read-only"
  byId("access", HTMLParagraphElement).textContent = label
  show(byId("unlock", HTMLButtonElement), access?.writes === "enabled" && !access.authenticated)
  show(byId("forget", HTMLButtonElement), token !== null)
  show(byId("action-form", HTMLFormElement), writable)
  byId("act-closed", HTMLParagraphElement).textContent = writable
    ? ""
    : access?.writes === "disabled"
    ? "This server has no admin token, so the page is read-only. See docs/console.md to enable actions safely."
    : "Enter the admin token to pause, drain and resume."
  render()
}

const askForToken = (why: string) => {
  token = null
  tokenStore.set(null)
  byId("token-why", HTMLParagraphElement).textContent = why
  byId("token-panel", HTMLElement).hidden = false
  byId("token-input", HTMLInputElement).focus()
  renderAccess()
}

/** Learn what this tab may do, then (re)open the stream if it may read. */
const connect = async (): Promise<void> => {
  const answer = await fetchAccess(token)
  if (!answer.ok) {
    if (answer.status === 401 && token !== null) {
      askForToken(`The stored token was refused: ${answer.message}`)
      return connect()
    }
    setConnection(`cannot reach the server: ${answer.message}`, "bad")
    setTimeout(() => void connect(), RETRY_MS)
    return
  }
  access = answer.body
  if (firstRender) performance.mark("oneiric:access")
  renderAccess()
  stream?.close()
  stream = null
  if (access.reads === "closed") {
    setConnection("reads are closed: this server needs an admin token and has none", "bad")
    return
  }
  if (access.reads === "token" && !access.authenticated) {
    setConnection("locked: this server shows its data to holders of the admin token", "warn")
    if (byId("token-panel", HTMLElement).hidden) askForToken("This server shows its state only to holders of the admin token.")
    return
  }
  stream = openStream(access.events_ticket, {
    snapshot: (body) => {
      if (firstRender) performance.mark("oneiric:snapshot")
      model.applySnapshot(body)
      // The first state goes on screen at once; later ones wait for the next frame like every change.
      if (firstRender) draw()
      else render()
    },
    rows: (body) => {
      model.applyRows(body)
      render()
    },
    instances: (body) => {
      model.applyInstances(body)
      render()
    },
    health: (body) => {
      model.applyHealth(body)
      render()
    },
    history: (body) => {
      model.applyHistory(body, HISTORY_KEPT)
      render()
    },
    status: (state) => {
      if (state === "live") setConnection("live", "ok")
      else if (state === "connecting") setConnection("connecting…", "warn")
      else if (state === "reconnecting") setConnection("reconnecting…", "warn")
      else {
        setConnection("disconnected; retrying…", "bad")
        setTimeout(() => void connect(), RETRY_MS)
      }
    }
  })
}

const wire = () => {
  fillDomainOptions()
  for (const id of ["key-filter", "history-filter"]) {
    const form = byId(id, HTMLFormElement)
    form.addEventListener("submit", (event) => event.preventDefault())
    form.addEventListener("input", () => {
      if (id === "key-filter") page = 0
      render()
    })
  }
  byId("page-prev", HTMLButtonElement).addEventListener("click", () => {
    page--
    render()
  })
  byId("page-next", HTMLButtonElement).addEventListener("click", () => {
    page++
    render()
  })
  byId("unlock", HTMLButtonElement).addEventListener("click", () => askForToken("Enter the admin token to pause, drain and resume."))
  byId("forget", HTMLButtonElement).addEventListener("click", () => {
    token = null
    tokenStore.set(null)
    void connect()
  })
  byId("token-cancel", HTMLButtonElement).addEventListener("click", () => {
    byId("token-panel", HTMLElement).hidden = true
  })
  byId("token-form", HTMLFormElement).addEventListener("submit", async (event) => {
    event.preventDefault()
    const candidate = byId("token-input", HTMLInputElement).value.trim()
    const error = byId("token-error", HTMLParagraphElement)
    const answer = await fetchAccess(candidate)
    if (!answer.ok) {
      error.textContent = answer.status === 401 ? `Wrong token (401): ${answer.message}` : `The token could not be checked: ${answer.message}`
      return
    }
    if (!answer.body.authenticated) {
      error.textContent = "This server has no admin token configured; a token cannot unlock anything."
      return
    }
    error.textContent = ""
    token = candidate
    tokenStore.set(candidate)
    byId("token-input", HTMLInputElement).value = ""
    byId("token-panel", HTMLElement).hidden = true
    await connect()
  })
  // Countdowns tick on the page's own clock (corrected by the server's): no request.
  setInterval(() => tickCountdowns(model.now()), 1_000)
}

wire()
void connect()
