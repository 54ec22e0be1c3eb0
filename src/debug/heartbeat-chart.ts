// The connection panel's chart: the `connections` figure of each heartbeat over time, as an inline
// SVG polyline (no chart library). A lost connection breaks the line: beats after it start a new
// one. The last MAX_POINTS beats are kept.
const MAX_POINTS = 120
const WIDTH = 360
const HEIGHT = 90
const PAD = { left: 28, right: 6, top: 8, bottom: 16 }
const SVG = 'http://www.w3.org/2000/svg'

interface Point {
  at: number
  connections: number
  /** The first beat after a disconnect starts a new line. */
  breakBefore: boolean
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number>) {
  const element = document.createElementNS(SVG, tag)
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value))
  return element
}

export class HeartbeatChart {
  private readonly points: Point[] = []
  private broken = false

  constructor(private readonly root: SVGSVGElement) {
    root.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`)
    this.draw()
  }

  /** The connection dropped: the next beat starts a new line. */
  gap() {
    this.broken = true
  }

  add(connections: number, at = Date.now()) {
    this.points.push({ at, connections, breakBefore: this.broken })
    this.broken = false
    if (this.points.length > MAX_POINTS) this.points.shift()
    this.draw()
  }

  /** Polylines' `points` attributes, one per unbroken stretch. */
  lines(): string[] {
    if (this.points.length === 0) return []
    const first = this.points[0].at
    const span = Math.max(this.points[this.points.length - 1].at - first, 1)
    const top = this.top()
    const x = (at: number) => PAD.left + ((at - first) / span) * (WIDTH - PAD.left - PAD.right)
    const y = (n: number) => HEIGHT - PAD.bottom - (n / top) * (HEIGHT - PAD.top - PAD.bottom)
    const lines: [number, number][][] = []
    for (const point of this.points) {
      if (point.breakBefore || lines.length === 0) lines.push([])
      lines[lines.length - 1].push([x(point.at), y(point.connections)])
    }
    const format = (line: [number, number][]) => line.map(([px, py]) => `${px.toFixed(1)},${py.toFixed(1)}`).join(' ')
    // A lone beat still shows: a short flat stub.
    return lines.map((line) => format(line.length === 1 ? [line[0], [line[0][0] + 3, line[0][1]]] : line))
  }

  private top() {
    return Math.max(1, ...this.points.map((point) => point.connections))
  }

  private draw() {
    const top = this.top()
    const baseline = HEIGHT - PAD.bottom
    const axis = [
      svg('line', { x1: PAD.left, y1: PAD.top, x2: PAD.left, y2: baseline, class: 'axis' }),
      svg('line', { x1: PAD.left, y1: baseline, x2: WIDTH - PAD.right, y2: baseline, class: 'axis' }),
      Object.assign(svg('text', { x: PAD.left - 4, y: PAD.top + 8, class: 'label', 'text-anchor': 'end' }), {
        textContent: String(top)
      }),
      Object.assign(svg('text', { x: PAD.left - 4, y: baseline, class: 'label', 'text-anchor': 'end' }), {
        textContent: '0'
      }),
      Object.assign(svg('text', { x: WIDTH - PAD.right, y: HEIGHT - 3, class: 'label', 'text-anchor': 'end' }), {
        textContent: `${this.points.length} beats`
      })
    ]
    const lines = this.lines().map((points) => svg('polyline', { points, class: 'beats' }))
    this.root.replaceChildren(...axis, ...lines)
    this.root.dataset.points = String(this.points.length)
  }
}
