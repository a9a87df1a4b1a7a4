/** Small DOM helpers: elements are built from text only (never HTML), so nothing a key or note holds can run. */

type Attributes = Readonly<Record<string, string | number | boolean | null | undefined>>
type Child = Node | string | null | undefined | false

export const h = <K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: ReadonlyArray<Child>): HTMLElementTagNameMap[K] => {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue
    element.setAttribute(name, value === true ? "" : String(value))
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) element.append(child)
  return element
}

/** The element with this id and type; the page's skeleton has every one the script uses. */
export const byId = <T extends HTMLElement>(id: string, type: { new(): T; readonly prototype: T }): T => {
  const element = document.getElementById(id)
  if (!(element instanceof type)) throw new Error(`the page has no ${type.name} #${id}`)
  return element
}

export const show = (element: HTMLElement, visible: boolean): void => {
  element.hidden = !visible
}

/** `2026-12-01 09:00:00` in the browser's time zone, with the full instant in a tooltip. */
export const time = (iso: string | null): Node | string => {
  if (iso === null) return "–"
  const at = new Date(iso)
  const pad = (n: number) => String(n).padStart(2, "0")
  const text = `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`
  return h("time", { datetime: iso, title: iso }, text)
}

export const cell = (...children: ReadonlyArray<Child>) => h("td", {}, ...children)
