// The debug page end to end in headless Chromium (Debian's package, driven by playwright-core; no
// browser download): it shows a heartbeat with the count and room events created over REST.
// `npm run test:browser`; .ci/run installs chromium when it is missing.
import assert from 'assert'
import fs from 'fs'
import { chromium } from 'playwright-core'
import type { Browser } from 'playwright-core'
import { createProject, createSession, startTestServer } from '../helpers'
import type { TestServer } from '../helpers'

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

describe('debug page in a browser', function () {
  this.timeout(60_000)
  let server: TestServer
  let browser: Browser

  before(async () => {
    if (!fs.existsSync(executablePath)) throw new Error(`no Chromium at ${executablePath} (apt-get install chromium)`)
    browser = await chromium.launch({
      executablePath,
      // Playwright adds --headless and a fresh, empty profile of its own.
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync'
      ]
    })
  })
  after(async () => {
    await browser?.close()
  })

  beforeEach(async () => {
    server = await startTestServer({ heartbeatIntervalMs: 200 })
  })
  afterEach(() => server.stop())

  it('shows heartbeats with the count and a project’s events with their seq', async () => {
    const project = await createProject(server, 'browser')
    const page = await browser.newPage()
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(String(error)))
    await page.goto(`${server.url}/debug?project=${project.id}`)

    await page.waitForFunction(() => document.getElementById('state')?.textContent === 'connected')
    await page.waitForFunction(() => /^\d+$/.test(document.getElementById('heartbeat-count')?.textContent ?? ''))
    assert.strictEqual(await page.textContent('#heartbeat-count'), '1')
    await page.waitForFunction(() => document.getElementById('subscription')?.textContent?.startsWith('subscribed'))

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
    const seq = Number(await response.getAttribute('data-seq'))
    assert.ok(seq > 3)
    // Live token usage showed up before it, without seq (live-only).
    assert.ok((await page.$$('li[data-event="token_usage"]:not([data-seq])')).length > 0)

    // A second page counts in the heartbeat.
    const second = await browser.newPage()
    await second.goto(`${server.url}/debug`)
    await page.waitForFunction(() => document.getElementById('heartbeat-count')?.textContent === '2')
    await second.close()
    assert.deepStrictEqual(errors, [])
    await page.close()
  })
})
