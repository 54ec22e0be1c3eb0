// One listener function for every socket: socket.io calls a socket's listeners with the socket as
// `this`, so a handler that reads its socket from there needs no closure per connection. Each
// closure (and its context) held per socket was ~70 bytes of every connection's memory (issue 10).
import type { Socket } from 'socket.io'

export function sharedListener(handle: (socket: Socket, args: unknown[]) => void) {
  return function (this: Socket, ...args: unknown[]) {
    handle(this, args)
  }
}
