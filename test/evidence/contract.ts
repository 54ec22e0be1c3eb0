// The contract's evidence (issue 13): evidence/contract/openapi.json and asyncapi.json as the
// server serves them (stable: no port, no time in either, so a diff in review is a contract
// change), and screenshots of /docs rendering both (docs.png: REST, docs-events.png: the events). Run by `npm run evidence`
// (EVIDENCE_ONLY=contract: this part alone).
import fs from 'fs'
import path from 'path'
import type { Page } from 'playwright-core'
import { startTestServer } from '../helpers'
import { launchChromium } from '../browser/chromium'

export const CONTRACT_DIR = path.join(__dirname, '..', '..', 'evidence', 'contract')

/** Opens /docs and waits until both viewers show their operations; returns what they show. */
export async function renderDocs(page: Page, url: string) {
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(String(error)))
  page.on('console', (message) => void (message.type() === 'error' && errors.push(message.text())))
  await page.goto(`${url}/docs`)
  await page.waitForSelector('#swagger-ui .opblock', { timeout: 20_000 })
  // Rendered, or failed (docs.js writes data-error).
  await page.waitForFunction(
    () => {
      const box = document.querySelector('#asyncapi')
      return box?.hasAttribute('data-error') || (box?.textContent ?? '').length > 200
    },
    undefined,
    { timeout: 20_000 }
  )
  const restOperations = await page.$$eval('#swagger-ui .opblock-summary-path', (items) =>
    items.map((item) => item.getAttribute('data-path') ?? item.textContent ?? '')
  )
  const eventsText = (await page.textContent('#asyncapi')) ?? ''
  const asyncApiError = await page.getAttribute('#asyncapi', 'data-error')
  return { restOperations, eventsText, asyncApiError, errors }
}

const pretty = (value: unknown) => JSON.stringify(value, null, 2) + '\n'

export async function writeContractEvidence(): Promise<string[]> {
  fs.mkdirSync(CONTRACT_DIR, { recursive: true })
  const server = await startTestServer({ auth: 'off' })
  try {
    const openapi = (await server.http.get('/openapi.json')).data
    const asyncapi = await server.http.get('/asyncapi.json')
    fs.writeFileSync(path.join(CONTRACT_DIR, 'openapi.json'), pretty(openapi))
    if (asyncapi.status === 200) fs.writeFileSync(path.join(CONTRACT_DIR, 'asyncapi.json'), pretty(asyncapi.data))
    const browser = await launchChromium()
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
      const shown = await renderDocs(page, server.url)
      // The whole page is some 40,000 px tall (every event expanded): the REST section, then the
      // first 2,400 px of the events section.
      const box = async (selector: string) => (await page.locator(selector).boundingBox())!
      const rest = await box('#rest')
      await page.screenshot({
        path: path.join(CONTRACT_DIR, 'docs.png'),
        fullPage: true,
        clip: { x: 0, y: 0, width: 1280, height: rest.y + rest.height }
      })
      const events = await box('#events')
      await page.screenshot({
        path: path.join(CONTRACT_DIR, 'docs-events.png'),
        fullPage: true,
        clip: { x: 0, y: events.y, width: 1280, height: Math.min(events.height, 2400) }
      })
      return [
        `openapi.json: ${Object.keys(openapi.paths).length} paths`,
        `asyncapi.json: ${asyncapi.status === 200 ? 'written' : `not served (${asyncapi.status})`}`,
        `/docs: ${shown.restOperations.length} REST operations shown, events ${shown.asyncApiError ? `failed: ${shown.asyncApiError}` : 'rendered'}; page errors: ${shown.errors.length}`
      ]
    } finally {
      await browser.close()
    }
  } finally {
    await server.stop()
  }
}

if (require.main === module) {
  writeContractEvidence().then(
    (lines) => {
      console.log(lines.join('\n'))
      process.exit(0)
    },
    (error) => {
      console.error(error)
      process.exit(1)
    }
  )
}
