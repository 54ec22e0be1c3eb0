// The debug page's diff renderer (src/debug/diff.ts): each line of a unified diff gets the class
// of what it is, and its text is HTML-escaped - a patch is model output and may hold markup.
import assert from 'assert'
import { diffLineKind, diffStat, escapeHtml, renderDiff } from '../../src/debug/diff'

const PATCH = [
  'diff --git a/x.md b/x.md',
  '--- a/x.md',
  '+++ b/x.md',
  '@@ -1,2 +1,2 @@',
  ' same',
  '-old <b>line</b>',
  '+new <script>alert("x")</script> & more',
  '\\ No newline at end of file',
  ''
].join('\n')

describe('debug page: diff renderer', () => {
  it('classifies lines by their first characters', () => {
    const kinds = PATCH.split('\n').slice(0, -1).map(diffLineKind)
    assert.deepStrictEqual(kinds, ['meta', 'file', 'file', 'hunk', 'context', 'del', 'add', 'meta'])
    assert.strictEqual(diffLineKind('++counter'), 'add')
    assert.strictEqual(diffLineKind('--flag'), 'del')
  })

  it('renders one span per line with its class, text escaped', () => {
    const html = renderDiff(PATCH)
    const spans = [...html.matchAll(/<span class="diff-line diff-(\w+)">(.*?)<\/span>/g)]
    assert.strictEqual(spans.length, 8)
    assert.strictEqual(html, spans.map((span) => span[0]).join(''), 'nothing but the spans')
    assert.deepStrictEqual(spans[6].slice(1), [
      'add',
      '+new &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more'
    ])
    assert.strictEqual(spans[5][2], '-old &lt;b&gt;line&lt;/b&gt;')
    assert.ok(!/<(script|b)>/.test(html))
  })

  it('escapes the five HTML characters; counts added and removed lines', () => {
    assert.strictEqual(
      escapeHtml(`<a href="x" title='y'>&</a>`),
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;'
    )
    assert.deepStrictEqual(diffStat(PATCH), { added: 1, removed: 1 })
    // Windows line ends and an empty context line.
    assert.strictEqual(
      renderDiff('+a\r\n\r\n-b\r\n'),
      [
        '<span class="diff-line diff-add">+a</span>',
        '<span class="diff-line diff-context"> </span>',
        '<span class="diff-line diff-del">-b</span>'
      ].join('')
    )
  })
})
