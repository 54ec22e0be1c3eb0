// Presence on the debug page in headless Chromium (issue 12): two browser contexts (two users,
// AUTH=required, each with its token in its own sessionStorage) on the page of one project see each
// other appear; one reloads its page and the other's list never loses it (the grace period covers
// the reload); one closes its page and the other sees it leave.
import assert from 'assert'
import type { Browser, Page } from 'playwright-core'
import { bearer, newUser, sleep, startTestServer } from '../helpers'
import type { TestServer } from '../helpers'
import { launchChromium } from './chromium'

const GRACE_MS = 3000

/** A page in a context of its own (its own sessionStorage), with `token` stored before the page loads. */
async function pageAs(browser: Browser, token: string, url: string) {
  const context = await browser.newContext({ viewport: { width: 1360, height: 1000 } })
  await context.addInitScript((value) => sessionStorage.setItem('vibecode-debug-token', value), token)
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(String(error)))
  await page.goto(url)
  return { page, errors, context }
}

const present = (page: Page, key: string) => page.waitForSelector(`#presence li[data-key="${key}"]`)

/** Records the keys of the presence list after every change of it (set up once the list shows). */
const watchPresence = (page: Page) =>
  page.evaluate(() => {
    const lists: string[][] = []
    ;(window as any).presenceLists = lists
    const list = document.getElementById('presence')!
    new MutationObserver(() =>
      lists.push([...list.querySelectorAll('li')].map((item) => item.getAttribute('data-key') ?? ''))
    ).observe(list, { childList: true })
  })

describe('presence on the debug page in a browser', function () {
  this.timeout(60_000)
  let server: TestServer
  let browser: Browser

  before(async () => {
    browser = await launchChromium()
    server = await startTestServer({
      auth: 'required',
      authSecret: 'a-browser-presence-secret-long-enough-0123',
      rateLimits: 'off',
      presenceGraceMs: GRACE_MS
    })
  })
  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('two users see each other appear, a reload does not flap, a closed page leaves', async () => {
    const [alice, bob] = await Promise.all([newUser(server, 'browser-alice'), newUser(server, 'browser-bob')])
    const project = (await server.http.post('/projects', { name: 'presence' }, bearer(alice.token))).data
    await server.http.post(
      `/projects/${project.id}/members`,
      { user_id: bob.user.id, role: 'viewer' },
      bearer(alice.token)
    )
    const url = `${server.url}/debug?project=${project.id}`
    const aliceKey = `user:${alice.user.id}`
    const bobKey = `user:${bob.user.id}`

    const alicePage = await pageAs(browser, alice.token, url)
    await present(alicePage.page, aliceKey)
    const bobPage = await pageAs(browser, bob.token, url)
    await present(bobPage.page, aliceKey)
    await present(bobPage.page, bobKey)
    await present(alicePage.page, bobKey)
    assert.match((await alicePage.page.textContent(`#presence li[data-key="${bobKey}"]`)) ?? '', new RegExp(bob.email))
    assert.strictEqual(await alicePage.page.textContent('#presence-count'), '2')

    // Bob reloads: a new socket, the old one gone; Alice's list never loses him.
    await watchPresence(alicePage.page)
    await bobPage.page.reload()
    await present(bobPage.page, aliceKey)
    await sleep(GRACE_MS + 500)
    const lists: string[][] = await alicePage.page.evaluate(() => (window as any).presenceLists)
    assert.ok(
      lists.every((keys) => keys.includes(bobKey)),
      `bob stayed through the reload: ${JSON.stringify(lists)}`
    )

    // Bob closes the page: after the grace period, he leaves Alice's list.
    await bobPage.context.close()
    await alicePage.page.waitForSelector(`#presence li[data-key="${bobKey}"]`, {
      state: 'detached',
      timeout: GRACE_MS + 10_000
    })
    assert.strictEqual(await alicePage.page.textContent('#presence-count'), '1')
    assert.deepStrictEqual([...alicePage.errors, ...bobPage.errors], [])
    await alicePage.context.close()
  })
})
