// The test-run panel: one card per run, newest first - command and status, a progress bar that
// fills as `test_result` events arrive (against the previous run of the same command, when there
// is one), each test case passed / failed / skipped as it is reported, the totals from
// `test_completed`, and the output's last lines.
import type { TestCompletedEvent, TestOutputEvent, TestResultEvent, TestRun, TestStartedEvent } from '../client'
import { el, formatDuration } from './dom'

const OUTPUT_LINES = 200
const TERMINAL = new Set(['passed', 'failed', 'error', 'timeout', 'cancelled'])

interface Card {
  id: number
  command: string
  status: string
  counts: { passed: number; failed: number; skipped: number }
  card: HTMLElement
  parts: Record<'status' | 'progress' | 'counts' | 'totals' | 'cases' | 'output' | 'outputTitle', HTMLElement>
  segments: Record<'passed' | 'failed' | 'skipped', HTMLElement>
  lines: string[]
}

export class TestRunPanel {
  private readonly cards = new Map<number, Card>()
  /** Test cases in the last completed run of each command: the next run's 100 %. */
  private readonly expected = new Map<string, number>()

  constructor(private readonly root: HTMLElement) {}

  clear() {
    this.cards.clear()
    this.root.replaceChildren()
  }

  private cardOf(id: number, command?: string[]): Card {
    const existing = this.cards.get(id)
    if (existing) {
      if (command && !existing.command) this.setCommand(existing, command)
      return existing
    }
    const segments = {
      passed: el('div', { class: 'segment passed' }),
      failed: el('div', { class: 'segment failed' }),
      skipped: el('div', { class: 'segment skipped' })
    }
    const parts = {
      status: el('span', { class: 'badge status-queued' }, 'queued'),
      progress: el('div', { class: 'progress running' }, segments.passed, segments.failed, segments.skipped),
      counts: el('span', { class: 'counts' }, 'no results yet'),
      totals: el('div', { class: 'totals' }),
      cases: el('ol', { class: 'test-cases' }),
      output: el('pre', { class: 'output' }),
      outputTitle: el('summary', {}, 'output')
    }
    const title = el('code', { class: 'command' })
    const card = el(
      'section',
      { class: 'test-run', 'data-run-id': id, 'data-status': 'queued' },
      el('header', {}, el('strong', {}, `run #${id}`), ' ', parts.status, ' ', title),
      parts.progress,
      el('div', { class: 'progress-text' }, parts.counts),
      parts.totals,
      parts.cases,
      el('details', { class: 'output-box' }, parts.outputTitle, parts.output)
    )
    const entry: Card = {
      id,
      command: '',
      status: 'queued',
      counts: { passed: 0, failed: 0, skipped: 0 },
      card,
      parts,
      segments,
      lines: []
    }
    this.cards.set(id, entry)
    if (command) this.setCommand(entry, command)
    const older = [...this.root.querySelectorAll<HTMLElement>('.test-run')].find(
      (other) => Number(other.dataset.runId) < id
    )
    if (older) older.before(card)
    else this.root.append(card)
    return entry
  }

  private setCommand(card: Card, command: string[]) {
    card.command = command.join(' ')
    card.card.querySelector('.command')!.textContent = card.command
  }

  private setStatus(card: Card, status: string) {
    if (TERMINAL.has(card.status) && !TERMINAL.has(status)) return
    card.status = status
    card.card.dataset.status = status
    card.parts.status.className = `badge status-${status}`
    card.parts.status.textContent = status
    card.parts.progress.classList.toggle('running', !TERMINAL.has(status))
  }

  /** Bar segments and the "3 of 5" line, from the counts so far. */
  private drawProgress(card: Card, final = false) {
    const { passed, failed, skipped } = card.counts
    const done = passed + failed + skipped
    const expected = this.expected.get(card.command)
    const whole = final ? Math.max(done, 1) : Math.max(done, expected ?? done, 1)
    for (const kind of ['passed', 'failed', 'skipped'] as const) {
      card.segments[kind].style.width = `${(100 * card.counts[kind]) / whole}%`
    }
    const of = !final && expected ? ` of ~${expected}` : ''
    card.parts.counts.textContent = `${done}${of} test${done === 1 ? '' : 's'}: ${passed} passed, ${failed} failed, ${skipped} skipped`
  }

  /** A test-run record: `test-runs created` / `patched`, or one loaded over REST. */
  upsert(run: TestRun) {
    const card = this.cardOf(run.id, run.command)
    this.setStatus(card, run.status)
    if (run.output && card.lines.length === 0) {
      this.output({
        type: 'test_output',
        project_id: run.project_id,
        run_id: run.id,
        stream: 'stdout',
        lines: run.output.split('\n')
      })
    }
    if (!TERMINAL.has(run.status) || card.parts.totals.childElementCount > 0) return
    const { passed, failed, skipped, exit_code } = run
    const status = run.status as TestCompletedEvent['status']
    const duration_ms = run.duration_ms ?? 0
    this.completed({
      type: 'test_completed',
      project_id: run.project_id,
      run_id: run.id,
      status,
      exit_code,
      passed,
      failed,
      skipped,
      duration_ms
    })
    if (run.error) card.parts.totals.append(el('span', { class: 'total error' }, run.error))
  }

  started(event: TestStartedEvent) {
    this.setStatus(this.cardOf(event.run_id, event.command), 'running')
  }

  result(event: TestResultEvent) {
    const card = this.cardOf(event.run_id)
    const kind = event.skipped ? 'skipped' : event.ok ? 'passed' : 'failed'
    card.counts[kind]++
    const mark = { passed: '✓', failed: '✗', skipped: '–' }[kind]
    card.parts.cases.append(
      el(
        'li',
        { class: `test-case ${kind}`, 'data-ok': String(event.ok), 'data-skipped': String(event.skipped) },
        el('span', { class: 'mark' }, mark),
        ` ${event.name}`
      )
    )
    this.drawProgress(card)
  }

  output(event: TestOutputEvent) {
    const card = this.cardOf(event.run_id)
    card.lines.push(...event.lines.map((line) => (event.stream === 'stderr' ? `! ${line}` : line)))
    if (card.lines.length > OUTPUT_LINES) card.lines.splice(0, card.lines.length - OUTPUT_LINES)
    card.parts.output.textContent = card.lines.join('\n')
    card.parts.outputTitle.textContent = `output (last ${card.lines.length} lines)`
  }

  completed(event: TestCompletedEvent) {
    const card = this.cardOf(event.run_id)
    this.setStatus(card, event.status)
    const { passed, failed, skipped } = event
    card.counts = { passed, failed, skipped }
    this.drawProgress(card, true)
    if (card.command) this.expected.set(card.command, passed + failed + skipped)
    const exit = event.exit_code === null ? '' : ` · exit ${event.exit_code}`
    card.parts.totals.replaceChildren(
      el('span', { class: 'total passed' }, `${passed} passed`),
      el('span', { class: 'total failed' }, `${failed} failed`),
      el('span', { class: 'total skipped' }, `${skipped} skipped`),
      el('span', { class: 'total' }, `${formatDuration(event.duration_ms)}${exit}`)
    )
    Object.assign(card.parts.totals.dataset, { passed, failed, skipped, status: event.status })
  }
}
