// The debug page's DOM helpers: elements are built with text nodes only (textContent), so nothing
// the server sends - a prompt, a patch, a test name - is ever parsed as HTML. The one place that
// writes markup (the diff) escapes it first (diff.ts).

export const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T

type Attributes = Record<string, string | number | undefined>

/** `<tag class=… data-…>` with text or child elements. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined) element.setAttribute(name, String(value))
  }
  element.append(...children)
  return element
}

/** `1.2 s`, `850 ms`, `2 min 5 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`
}

/** `14:02:31` in the browser's time zone. */
export const clock = (date: Date | string) => new Date(date).toLocaleTimeString([], { hour12: false })

export const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error))
