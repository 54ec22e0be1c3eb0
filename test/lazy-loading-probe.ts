// Run by lazy-loading.test.ts in a process of its own (the mocha process has loaded everything
// already): which of the heavy packages a server with the simulated provider has loaded after
// start-up, then after its first uses (a prompt answered, a TAP line parsed, each SDK provider
// answering a local fake of its API). Prints one JSON line: {stages: {name: [loaded packages]}, ...}.
import assert from 'assert'
import { startTestServer } from './helpers'
import { answered, postPrompt } from './vibecode-helpers'
import { anthropicResponder } from './fakes/anthropic'
import { openaiResponder } from './fakes/openai'
import { startFakeServer } from './fakes/sse-server'
import type { Responder } from './fakes/sse-server'
import { loadConfiguration, normalizeConfiguration, validateConfiguration } from '../src/configuration'
import { selectProvider } from '../src/vibecode/providers'
import { tapCases } from '../src/testruns/tap'

export const HEAVY = [
  '@anthropic-ai/sdk',
  'openai',
  'js-tiktoken',
  'diff',
  'tap-parser',
  'redis',
  '@socket.io/redis-adapter',
  '@socket.io/cluster-adapter',
  '@socket.io/admin-ui'
]

const loaded = () =>
  HEAVY.filter((name) => Object.keys(require.cache).some((file) => file.includes(`/node_modules/${name}/`)))

async function sdkAnswer(provider: 'anthropic' | 'openai', responder: Responder) {
  const fake = await startFakeServer(responder)
  try {
    const keys =
      provider === 'anthropic'
        ? { anthropicApiKey: 'sk-ant-fake', anthropicBaseUrl: fake.url }
        : { openaiApiKey: 'sk-fake', openaiBaseUrl: `${fake.url}/v1` }
    const settings = validateConfiguration(
      normalizeConfiguration({ ...loadConfiguration(), vibecodeProvider: provider, ...keys })
    )
    const result = await selectProvider(settings).generate({
      system: 'system',
      prompt: 'Add a greeting helper',
      signal: new AbortController().signal,
      onUsage: () => undefined
    })
    assert.ok(result.text.includes('```diff'), `${provider} answered: ${result.text.slice(0, 200)}`)
    return result.usage
  } finally {
    await fake.close()
  }
}

async function main() {
  const stages: Record<string, string[]> = {}
  const server = await startTestServer()
  stages.started = loaded()
  const { message, socket } = await postPrompt(server)
  const done = await answered(server, message.id)
  socket.disconnect()
  stages.answered = loaded()
  const cases: string[] = []
  const tap = tapCases((result) => cases.push(`${result.name}:${result.ok}`))
  tap.write('TAP version 13\nok 1 - greets\n1..1\n')
  tap.end()
  stages.tap = loaded()
  const anthropicUsage = await sdkAnswer('anthropic', anthropicResponder)
  stages.anthropic = loaded()
  const openaiUsage = await sdkAnswer('openai', openaiResponder)
  stages.openai = loaded()
  await server.stop()
  const answer = { status: done.status, provider: done.provider, has_patch: typeof done.patch === 'string' }
  console.log(JSON.stringify({ stages, answer, cases, anthropicUsage, openaiUsage }))
  process.exit(0)
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
