// The baseline of the connections benchmark (connections.ts): a bare socket.io 4.8 server with its
// default options, nothing else loaded. GET /count answers engine.io's client count (the readiness probe too), so the
// benchmark can see the sockets gone after the clients leave, as it does for ours with
// GET /connections.
import http from 'http'
import { Server } from 'socket.io'

const server = http.createServer((request, response) => {
  // socket.io answers its own path before this listener runs.
  if (request.url?.startsWith('/socket.io/')) return
  if (request.url !== '/count') return void response.writeHead(404).end()
  response.setHeader('content-type', 'application/json')
  response.end(JSON.stringify({ connections: io.engine.clientsCount }))
})
const io = new Server(server)

server.listen(Number(process.env.PORT), '127.0.0.1')
