// Debian's Chromium for the browser tests and the evidence screenshot, driven by playwright-core
// (no browser download). CHROMIUM_PATH overrides /usr/bin/chromium.
import fs from 'fs'
import { chromium } from 'playwright-core'

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** `extraArgs`: flags a test needs besides these (e.g. --host-resolver-rules). */
export function launchChromium(extraArgs: string[] = []) {
  if (!fs.existsSync(chromiumPath)) throw new Error(`no Chromium at ${chromiumPath} (apt-get install chromium)`)
  return chromium.launch({
    executablePath: chromiumPath,
    // Playwright adds --headless and a fresh, empty profile of its own.
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs
    ]
  })
}
