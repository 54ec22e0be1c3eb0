// The debug page's HTML and CSS: kept as a string so `npm start` from lib/ serves it with no copy
// step. The script (/debug/client.js) is browser.ts, bundled on first request.
const style = `
  :root { --fg: #1f2328; --muted: #656d76; --line: #d0d7de; --bg: #f6f8fa; --blue: #0969da; --green: #1a7f37;
    --red: #cf222e; --amber: #9a6700; font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', sans-serif; color: var(--fg) }
  body { margin: 0; background: var(--bg) }
  header { display: flex; flex-wrap: wrap; align-items: center; gap: .6rem 1.2rem; padding: .7rem 1.2rem;
    background: #fff; border-bottom: 1px solid var(--line) }
  header h1 { font-size: 1.1rem; margin: 0 } header h1 small { color: var(--muted); font-weight: normal }
  header form { display: flex; gap: .4rem; align-items: center } input { font: inherit; padding: .15rem .4rem }
  #project { width: 6rem } #token { width: 14rem }
  .muted, #state-history, #auth, #subscription { color: var(--muted); font-size: 12px }
  main { display: grid; grid-template-columns: minmax(0, 1fr) 400px; gap: 1rem; padding: 1rem 1.2rem }
  .panel { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: .6rem .9rem; margin-bottom: 1rem }
  .panel h2 { font-size: .95rem; margin: .1rem 0 .6rem }
  table { border-collapse: collapse; width: 100% }
  th { text-align: left; font-size: 12px; color: var(--muted); font-weight: 600; border-bottom: 1px solid var(--line); padding: .3rem }
  td { padding: .35rem .3rem; vertical-align: top }
  tr.message td { border-top: 1px solid #eaeef2 } td.id, td.duration { white-space: nowrap; font-variant-numeric: tabular-nums }
  td.prompt { max-width: 22rem; overflow-wrap: anywhere } td.provider { color: var(--muted); font-size: 12px }
  tr.message-detail td { padding-top: 0 } tr.message-detail td:empty { display: none }
  .badge { display: inline-block; border-radius: 1rem; padding: 0 .55rem; font-size: 12px; font-weight: 600;
    border: 1px solid currentColor; white-space: nowrap }
  .status-pending, .status-queued, .status-cancelled { color: var(--muted) }
  .status-streaming, .status-running, .state-connecting, .state-reconnecting { color: var(--blue); animation: pulse 1s infinite alternate }
  .status-completed, .status-passed, .state-connected { color: var(--green) }
  .status-failed, .state-disconnected { color: var(--red) } .status-error, .status-timeout { color: var(--amber) }
  @keyframes pulse { from { opacity: 1 } to { opacity: .45 } }
  td.usage { min-width: 11rem } .tokens { font-size: 12px; font-variant-numeric: tabular-nums }
  .meter { height: 6px; background: #eaeef2; border-radius: 3px; overflow: hidden; margin: .3rem 0 .15rem }
  .meter-fill { height: 100%; width: 0; background: var(--blue); transition: width .15s } .meter-fill.final { background: var(--green) }
  details summary { cursor: pointer; font-size: 12px; color: var(--muted) }
  .stat-add { color: var(--green); font-weight: 600 } .stat-del { color: var(--red); font-weight: 600 }
  pre.diff { margin: .3rem 0 .6rem; border: 1px solid var(--line); border-radius: 6px; overflow: auto; max-height: 22rem;
    font: 12px/1.5 ui-monospace, SFMono-Regular, Menlo, monospace; background: #fff }
  .diff-line { display: block; padding: 0 .6rem; white-space: pre }
  .diff-add { background: #dafbe1; color: #116329 } .diff-del { background: #ffebe9; color: #82071e }
  .diff-hunk { background: #ddf4ff; color: #0550ae } .diff-file { font-weight: 600; background: #f6f8fa } .diff-meta { color: var(--muted) }
  .error { color: var(--red); font-size: 13px; margin: .2rem 0 .5rem }
  dl { display: grid; grid-template-columns: max-content auto; gap: .15rem 1rem; margin: 0 0 .4rem } dt { color: var(--muted) }
  dd { margin: 0; font-variant-numeric: tabular-nums } #heartbeat-chart { width: 100%; height: 90px; display: block }
  #heartbeat-chart .axis { stroke: #d0d7de } #heartbeat-chart .label { font-size: 9px; fill: var(--muted) }
  #heartbeat-chart .beats { fill: none; stroke: var(--blue); stroke-width: 2; stroke-linejoin: round }
  .test-run { border-top: 1px solid #eaeef2; padding: .5rem 0 } .test-run:first-child { border-top: 0; padding-top: 0 }
  .test-run header { all: unset; display: block; margin-bottom: .3rem } .command { font-size: 12px; color: var(--muted) }
  .progress { display: flex; height: 8px; border-radius: 4px; overflow: hidden; background: #eaeef2 }
  .progress.running { background: repeating-linear-gradient(45deg, #eaeef2 0 6px, #f6f8fa 6px 12px) }
  .segment { height: 100%; transition: width .15s } .segment.passed { background: var(--green) }
  .segment.failed { background: var(--red) } .segment.skipped { background: #afb8c1 }
  .progress-text { font-size: 12px; color: var(--muted); margin: .2rem 0 }
  .totals { display: flex; gap: .8rem; font-size: 13px; font-weight: 600 } .total.passed { color: var(--green) }
  .total.failed { color: var(--red) } .total.skipped, .total { color: var(--muted) }
  .test-cases { list-style: none; padding: 0; margin: .3rem 0; font-size: 13px } .test-case .mark { display: inline-block; width: 1rem; font-weight: 700 }
  .test-case.passed .mark { color: var(--green) } .test-case.failed { color: var(--red) } .test-case.skipped { color: var(--muted) }
  pre.output { max-height: 12rem; overflow: auto; font-size: 11px; background: var(--bg); padding: .4rem; margin: .2rem 0 }
  #events { font: 12px/1.4 ui-monospace, monospace; list-style: none; padding: 0; margin: .4rem 0 0; max-height: 24rem; overflow: auto }
  #events li { border-bottom: 1px solid #eaeef2; padding: .2rem 0; word-break: break-all }
  #events .seq { color: var(--blue); margin-right: .2rem } #events .seq.live { color: var(--muted) }
  .raw { margin: 0 1.2rem 1rem }
  #presence { list-style: none; padding: 0; margin: 0 } #presence li { padding: .15rem 0; border-bottom: 1px solid #eaeef2 }
`

export const debugPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>vibecode-realtime debug</title>
<style>${style}</style>
</head>
<body>
<header>
  <h1>vibecode-realtime <small>debug</small></h1>
  <span id="state" class="badge state-connecting">connecting</span>
  <span id="state-history"></span>
  <form id="subscribe-form">
    <label>project <input id="project" type="number" min="1" required></label>
    <button type="submit">subscribe</button>
    <span id="subscription">none</span>
  </form>
  <form id="token-form">
    <input id="token" type="password" placeholder="token (AUTH=required)" autocomplete="off">
    <button type="submit">use token</button>
    <button type="button" id="token-forget">forget</button>
    <span id="auth"></span>
  </form>
</header>
<main>
  <section class="panel">
    <h2>Messages</h2>
    <table>
      <thead><tr><th>#</th><th>prompt</th><th>status</th><th>tokens</th><th>duration</th><th>provider</th></tr></thead>
      <tbody id="messages"></tbody>
    </table>
  </section>
  <div>
    <section class="panel">
      <h2>Connection</h2>
      <dl>
        <dt>connections</dt><dd id="heartbeat-count">–</dd>
        <dt>heartbeats</dt><dd id="heartbeat-beats">0</dd>
        <dt>last beat</dt><dd id="heartbeat-time">–</dd>
        <dt>instance</dt><dd id="heartbeat-instance">–</dd>
      </dl>
      <svg id="heartbeat-chart" role="img" aria-label="connections per heartbeat"></svg>
    </section>
    <section class="panel">
      <h2>Who is here (<span id="presence-count">0</span>)</h2>
      <ul id="presence"></ul>
    </section>
    <section class="panel">
      <h2>Test runs</h2>
      <div id="test-runs"></div>
    </section>
  </div>
</main>
<section class="panel raw">
  <details open>
    <summary>raw room events (<span id="event-count">0</span>, newest first)</summary>
    <ul id="events"></ul>
  </details>
</section>
<script src="/debug/client.js"></script>
</body>
</html>
`
