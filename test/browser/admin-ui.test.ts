// The socket.io Admin UI served by this server (/admin-ui/, src/admin-ui/static.ts) in headless
// Chromium: the package's own UI loads with nothing from outside, logs in with the username and
// password, and lists the app's sockets (ADMIN_UI_MODE=development sends them).
import assert from 'assert'
import bcrypt from 'bcryptjs'
import type { Browser } from 'playwright-core'
import { connected, startTestServer } from '../helpers'
import type { TestServer } from '../helpers'
import { launchChromium } from './chromium'

describe('Admin UI in a browser', function () {
  this.timeout(60_000)
  let server: TestServer
  let browser: Browser

  before(async () => {
    browser = await launchChromium()
    server = await startTestServer({
      adminUiUsername: 'admin',
      adminUiPasswordHash: bcrypt.hashSync('an admin password', 4),
      adminUiMode: 'development'
    })
  })
  after(async () => {
    await server?.stop()
    await browser?.close()
  })

  it('loads from this server only, logs in and lists the app’s sockets', async () => {
    const app = await connected(server.socket())
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    const foreign: string[] = []
    page.on('request', (request) => {
      if (!request.url().startsWith(server.url)) foreign.push(request.url())
    })
    await page.goto(`${server.url}/admin-ui/`)
    await page.getByLabel('Server URL').fill(server.url)
    await page.getByLabel('Username').fill('admin')
    await page.getByLabel('Password').fill('wrong password')
    await page.getByRole('button', { name: 'Connect' }).click()
    await page.getByText('invalid credentials').waitFor()

    await page.getByLabel('Password').fill('an admin password')
    await page.getByRole('button', { name: 'Connect' }).click()
    await page.getByText('connected', { exact: true }).first().waitFor()
    await page.getByText('Sockets').first().click()
    await page.getByText(app.id!).waitFor()
    // The icon font came from here (the UI's CDN link replaced) and loaded.
    const iconFonts = await page.evaluate(async () => {
      await document.fonts.ready
      return [...document.fonts].filter((font) => /Material Design Icons/.test(font.family) && font.status === 'loaded')
        .length
    })
    assert.ok(iconFonts > 0)
    assert.deepStrictEqual(foreign, [])
    await page.close()
  })
})
