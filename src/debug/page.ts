// The debug page's HTML: kept as a string so `npm start` from lib/ serves it with no copy step.
export const debugPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>vibecode-realtime debug</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #222 }
  dl { display: grid; grid-template-columns: max-content auto; gap: .2rem 1rem }
  dt { color: #666 }
  #events { font: 12px/1.4 ui-monospace, monospace; list-style: none; padding: 0 }
  #events li { border-bottom: 1px solid #eee; padding: .2rem 0; word-break: break-all }
</style>
</head>
<body>
<h1>vibecode-realtime</h1>
<dl>
  <dt>connection</dt><dd id="state">connecting</dd>
  <dt>heartbeat: connections</dt><dd id="heartbeat-count">–</dd>
  <dt>heartbeat: time</dt><dd id="heartbeat-time">–</dd>
  <dt>heartbeat: instance</dt><dd id="heartbeat-instance">–</dd>
  <dt>subscription</dt><dd id="subscription">none</dd>
</dl>
<form id="subscribe-form">
  <label>project id <input id="project" type="number" min="1" required></label>
  <button type="submit">subscribe</button>
</form>
<h2>room events (newest first)</h2>
<ul id="events"></ul>
<script src="/debug/client.js"></script>
</body>
</html>
`
