// GET /docs in headless Chromium: Swagger UI shows the REST operations of /openapi.json and the
// AsyncAPI viewer the socket events of /asyncapi.json, both from this server's own files under the
// page's CSP (no CDN), with no page error. `npm run evidence` takes the screenshot
// (evidence/contract/docs.png), not this test.
import assert from 'assert'
import type { Browser } from 'playwright-core'
import { startTestServer } from '../helpers'
import type { TestServer } from '../helpers'
import { renderDocs } from '../evidence/contract'
import { launchChromium } from './chromium'

describe('docs page in a browser', function () {
  this.timeout(60_000)
  let server: TestServer
  let browser: Browser

  before(async () => {
    server = await startTestServer()
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('renders both documents: the REST operations and the socket events', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    const requests: string[] = []
    page.on('request', (request) => requests.push(request.url()))
    const shown = await renderDocs(page, server.url)
    assert.deepStrictEqual(shown.errors, [])
    assert.strictEqual(shown.asyncApiError, null)
    const openapi = (await server.http.get('/openapi.json')).data
    // Every path of the document is shown as an operation.
    assert.deepStrictEqual([...new Set(shown.restOperations)].sort(), Object.keys(openapi.paths).sort())
    for (const event of ['subscribe', 'heartbeat', 'messages created', 'test_result']) {
      assert.ok(shown.eventsText.includes(event), `the events section names '${event}'`)
    }
    assert.deepStrictEqual(
      requests.filter((url) => !url.startsWith(server.url)),
      [],
      'nothing loaded from another origin'
    )
  })
})
