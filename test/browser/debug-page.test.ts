// The debug page end to end in headless Chromium (Debian's package, driven by playwright-core; no
// browser download): heartbeats with the count and a chart, a message's row updated in place (a
// token meter that climbs, the final usage, the patch as a coloured diff with its text escaped),
// a test run's results as they arrive, the raw events, and AUTH=required with a token.
// `npm run test:browser`; .ci/run installs chromium when it is missing.
import assert from 'assert'
import fs from 'fs'
import os from 'os'
import path from 'path'
import type { Browser, Page } from 'playwright-core'
import { bearer, createProject, createSession, newUser, startTestServer, until } from '../helpers'
import type { TestServer } from '../helpers'
import { launchChromium } from './chromium'

const SUITE = path.join(__dirname, '..', 'fixtures', 'suite')
const AUTH_SECRET = 'a-browser-test-secret-that-is-long-enough-0123'

/** A page that records its errors; `errors` must stay empty. */
async function open(browser: Browser, url: string) {
  const page = await browser.newPage({ viewport: { width: 1360, height: 1000 } })
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(String(error)))
  await page.goto(url)
  return { page, errors }
}

const subscribed = (page: Page) =>
  page.waitForFunction(() => document.getElementById('subscription')?.textContent?.startsWith('subscribed'))

/** Every value the token meter's `data-output` took, in order (set up before the message is posted). */
const watchMeter = (page: Page) =>
  page.evaluate(() => {
    const seen: string[] = []
    ;(window as any).meterValues = seen
    new MutationObserver((records) => {
      for (const record of records) seen.push((record.target as HTMLElement).dataset.output ?? '')
    }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-output'] })
  })

describe('debug page in a browser', function () {
  this.timeout(60_000)
  let server: TestServer
  let browser: Browser
  let workspaces: string

  before(async () => {
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
  })

  beforeEach(() => {
    workspaces = fs.mkdtempSync(path.join(os.tmpdir(), 'vibecode-browser-'))
  })
  afterEach(async () => {
    await server?.stop()
    fs.rmSync(workspaces, { recursive: true, force: true })
  })

  it('shows heartbeats with the count and a chart, and a project’s events with their seq', async () => {
    server = await startTestServer({ heartbeatIntervalMs: 200 })
    const project = await createProject(server, 'browser')
    const { page, errors } = await open(browser, `${server.url}/debug?project=${project.id}`)

    await page.waitForFunction(() => document.getElementById('state')?.textContent === 'connected')
    await page.waitForFunction(() => /^\d+$/.test(document.getElementById('heartbeat-count')?.textContent ?? ''))
    assert.strictEqual(await page.textContent('#heartbeat-count'), '1')
    await subscribed(page)

    const session = await createSession(server, project.id)
    const message = (await server.http.post(`/sessions/${session.id}/messages`, { prompt: 'shown in the browser' }))
      .data
    const row = await page.waitForSelector('li[data-event="messages created"]')
    assert.match((await row.textContent()) ?? '', /shown in the browser/)
    assert.strictEqual(await row.getAttribute('data-seq'), '3')

    // The message's answer (the simulated provider: nothing configured) arrives as a vibecode_response.
    const response = await page.waitForSelector('li[data-event="vibecode_response"]', { timeout: 15_000 })
    const text = (await response.textContent()) ?? ''
    assert.match(text, new RegExp(`"message_id":${message.id}`))
    assert.match(text, /"provider":"simulated"/)
    assert.match(text, /"patch":"--- /)
    assert.ok(Number(await response.getAttribute('data-seq')) > 3)
    // Live token usage showed up before it, without seq (live-only).
    assert.ok((await page.$$('li[data-event="token_usage"]:not([data-seq])')).length > 0)

    // A second page counts in the heartbeat, and the chart has one point per beat.
    const second = await browser.newPage()
    await second.goto(`${server.url}/debug`)
    await page.waitForFunction(() => document.getElementById('heartbeat-count')?.textContent === '2')
    await second.close()
    const [points, beats] = await page.evaluate(() => [
      Number(document.getElementById('heartbeat-chart')!.dataset.points),
      Number(document.getElementById('heartbeat-beats')!.textContent)
    ])
    assert.ok(points >= 2, `chart points: ${points}`)
    assert.strictEqual(points, beats)
    const line = (await page.getAttribute('#heartbeat-chart polyline.beats', 'points')) ?? ''
    assert.ok(line.split(' ').length >= 2, line)
    assert.deepStrictEqual(errors, [])
    await page.close()
  })

  it('shows a message row with its climbing token meter and diff, and a test run’s results', async () => {
    // 150 tokens a second (the test config's 2000 would end the answer within one token_usage).
    server = await startTestServer({
      testWorkspaceRoot: workspaces,
      testCommandAllowlist: ['node'],
      simulatedTokensPerSecond: 150
    })
    const project = await createProject(server, 'people')
    const command = ['node', '--test', '--test-reporter=tap', 'passing.test.js', 'failing.test.js']
    assert.strictEqual((await server.http.patch(`/projects/${project.id}`, { test_command: command })).status, 200)
    fs.cpSync(SUITE, server.app.testRuns.workspaceOf(project.id), { recursive: true })
    const { page, errors } = await open(browser, `${server.url}/debug?project=${project.id}`)
    await subscribed(page)
    await watchMeter(page)

    // Markup in the prompt lands in the patch (the simulated answer records the request): shown as text.
    const prompt = 'Add a <b>bold</b> feature <img src=x onerror="window.injected=1">'
    const session = await createSession(server, project.id)
    const message = (await server.http.post(`/sessions/${session.id}/messages`, { prompt })).data
    const row = `tr.message[data-message-id="${message.id}"]`
    await page.waitForSelector(`${row}[data-status="completed"]`, { timeout: 15_000 })

    const stored = (await server.http.get(`/messages/${message.id}`)).data
    const usage = stored.token_usage
    assert.ok(usage.total_tokens > 0)
    const tokens = await page.$(`${row} .tokens`)
    assert.strictEqual(await tokens!.getAttribute('data-total'), String(usage.total_tokens))
    assert.strictEqual(await tokens!.getAttribute('data-output'), String(usage.output_tokens))
    assert.strictEqual(await tokens!.getAttribute('data-final'), 'true')
    // The meter climbed: several increasing output counts before the final one.
    const values = (await page.evaluate(() => (window as any).meterValues as string[])).map(Number)
    assert.ok(new Set(values).size >= 3, `meter values: ${values.join(', ')}`)
    assert.ok(
      values.every((value, i) => i === 0 || value >= values[i - 1]),
      values.join(', ')
    )
    assert.strictEqual(values[values.length - 1], usage.output_tokens)
    assert.match((await page.textContent(`${row} td.duration`)) ?? '', /^\d+(\.\d)? (ms|s)$/)
    assert.match((await page.textContent(`${row} td.provider`)) ?? '', /^simulated/)

    // The diff: one line per patch line, + lines green, the hunk and file headers marked.
    const diff = `tr.message-detail[data-message-id="${message.id}"] pre.diff`
    const lines = await page.$$eval(`${diff} .diff-line`, (spans) =>
      spans.map((span) => ({ kind: span.className.replace('diff-line diff-', ''), text: span.textContent }))
    )
    assert.strictEqual(lines.length, stored.patch.replace(/\n$/, '').split('\n').length)
    assert.ok(lines.filter((line) => line.kind === 'add').length > 0)
    assert.ok(lines.every((line) => line.kind !== 'add' || line.text!.startsWith('+')))
    assert.ok(lines.some((line) => line.kind === 'hunk' && line.text!.startsWith('@@')))
    assert.ok(lines.some((line) => line.kind === 'file' && line.text!.startsWith('+++ ')))
    assert.strictEqual(await page.$eval(`${diff} .diff-add`, (span) => getComputedStyle(span).color), 'rgb(17, 99, 41)')
    assert.ok(
      lines.some((line) => line.text!.includes('<img src=x onerror=')),
      'the markup is shown as text'
    )
    assert.strictEqual(await page.$$eval(`${diff} img, ${diff} b`, (found) => found.length), 0)
    assert.strictEqual(await page.evaluate(() => (window as any).injected), undefined)

    // A test run: the panel fills as the results arrive, then shows the totals.
    const run = (await server.http.post(`/projects/${project.id}/test-runs`)).data
    const card = `.test-run[data-run-id="${run.id}"]`
    await page.waitForSelector(`${card}[data-status="failed"] .totals[data-status="failed"]`, { timeout: 20_000 })
    const finished = (await server.http.get(`/test-runs/${run.id}`)).data
    const totals = await page.$(`${card} .totals`)
    for (const key of ['passed', 'failed', 'skipped'] as const) {
      assert.strictEqual(await totals!.getAttribute(`data-${key}`), String(finished[key]), key)
    }
    const cases = await page.$$eval(`${card} .test-case`, (items) =>
      items.map((item) => ({ kind: item.classList[1], name: item.textContent!.slice(2) }))
    )
    assert.strictEqual(cases.length, finished.passed + finished.failed + finished.skipped)
    assert.deepStrictEqual(
      cases.filter((c) => c.kind === 'failed').map((c) => c.name),
      ['subtracts wrongly']
    )
    assert.ok(cases.some((c) => c.kind === 'skipped' && c.name === 'not yet'))
    assert.match((await page.textContent(`${card} .command`)) ?? '', /node --test --test-reporter=tap passing/)
    const failedWidth = await page.$eval(`${card} .segment.failed`, (bar) => (bar as HTMLElement).style.width)
    assert.ok(parseFloat(failedWidth) > 0, failedWidth)
    assert.deepStrictEqual(errors, [])
    await page.close()
  })

  it('AUTH=required: no token, no subscription; with one (kept for the tab) history and live rows', async () => {
    server = await startTestServer({ auth: 'required', authSecret: AUTH_SECRET })
    const { token } = await newUser(server, 'debug')
    const project = (await server.http.post('/projects', { name: 'private' }, bearer(token))).data
    const session = (await server.http.post(`/projects/${project.id}/sessions`, {}, bearer(token))).data
    const earlier = (await server.http.post(`/sessions/${session.id}/messages`, { prompt: 'before' }, bearer(token)))
      .data
    await until(
      async () => (await server.http.get(`/messages/${earlier.id}`, bearer(token))).data.status === 'completed',
      'the first answer',
      15_000
    )

    const { page, errors } = await open(browser, `${server.url}/debug?project=${project.id}`)
    await page.waitForFunction(() =>
      /Authenticate before subscribing/.test(document.getElementById('subscription')?.textContent ?? '')
    )
    assert.match((await page.textContent('#auth')) ?? '', /no token/)

    await page.fill('#token', token)
    await Promise.all([page.waitForNavigation(), page.click('#token-form button[type="submit"]')])
    await subscribed(page)
    assert.match((await page.textContent('#auth')) ?? '', /token of user \d+, expires/)
    assert.strictEqual(await page.evaluate(() => sessionStorage.getItem('vibecode-debug-token')), token)
    // What happened before the page came is loaded over the socket.
    await page.waitForSelector(`tr.message[data-message-id="${earlier.id}"][data-status="completed"]`)
    assert.ok((await page.$$(`tr.message-detail[data-message-id="${earlier.id}"] .diff-add`)).length > 0)

    const live = (await server.http.post(`/sessions/${session.id}/messages`, { prompt: 'after' }, bearer(token))).data
    await page.waitForSelector(`tr.message[data-message-id="${live.id}"][data-status="completed"]`, { timeout: 15_000 })
    const order = await page.$$eval('tr.message', (rows) =>
      rows.map((row) => Number((row as HTMLElement).dataset.messageId))
    )
    assert.deepStrictEqual(order, [live.id, earlier.id])

    await Promise.all([page.waitForNavigation(), page.click('#token-forget')])
    assert.strictEqual(await page.evaluate(() => sessionStorage.getItem('vibecode-debug-token')), null)
    assert.deepStrictEqual(errors, [])
    await page.close()
  })
})
