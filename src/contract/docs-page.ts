// The /docs page: Swagger UI for /openapi.json and the AsyncAPI viewer for /asyncapi.json, one
// above the other. No inline script (the page's CSP allows scripts from this origin only): the
// viewers are started by /docs/assets/docs.js.

export const docsPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>vibecode-realtime: API contract</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" type="image/png" href="/docs/assets/favicon.png">
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="stylesheet" href="/docs/assets/asyncapi.css">
<link rel="stylesheet" href="/docs/assets/docs.css">
</head>
<body>
<header class="contract-header">
  <h1>vibecode-realtime: API contract</h1>
  <nav>
    <a href="#rest">REST (OpenAPI 3.1)</a> · <a href="#events">socket.io events (AsyncAPI 3.0)</a> ·
    raw: <a href="/openapi.json">/openapi.json</a>, <a href="/asyncapi.json">/asyncapi.json</a>
  </nav>
</header>
<section id="rest"><h2 class="contract-title">REST</h2><div id="swagger-ui"></div></section>
<section id="events"><h2 class="contract-title">socket.io events</h2><div id="asyncapi"></div></section>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/asyncapi.js"></script>
<script src="/docs/assets/docs.js"></script>
</body>
</html>
`

export const docsStyles = `
body { margin: 0; font-family: sans-serif; }
.contract-header { padding: 12px 20px; background: #1b1b1f; color: #eee; }
.contract-header h1 { margin: 0 0 6px; font-size: 20px; }
.contract-header a { color: #9cf; }
.contract-title { margin: 24px 20px 0; font-size: 18px; border-bottom: 1px solid #ccc; }
`

/** Starts both viewers; each one's failure is shown where it would have rendered. */
export const docsScript = `
(function () {
  function failed(id, error) {
    var box = document.getElementById(id)
    box.setAttribute('data-error', String(error))
    box.textContent = 'Could not render: ' + error
  }
  try {
    window.SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true, tryItOutEnabled: false })
  } catch (error) {
    failed('swagger-ui', error)
  }
  fetch('/asyncapi.json')
    .then(function (response) {
      if (!response.ok) throw new Error('GET /asyncapi.json answered ' + response.status)
      return response.json()
    })
    .then(function (schema) {
      window.AsyncApiStandalone.render(
        { schema: schema, config: { show: { sidebar: false, errors: true } } },
        document.getElementById('asyncapi')
      )
    })
    .catch(function (error) {
      failed('asyncapi', error)
    })
})()
`
