// Taking sockets out of project rooms by the server's decision, each told why with
// `subscription_revoked {project_id, reason}`: a member removed (on every instance, through the
// adapter's server-side requests), a project deleted (the whole room), an expired or changed login
// (one socket). Without the socket in the room no further event of that project reaches it.
import type { Server, Socket } from 'socket.io'
import { asClusterServer, type RevokeRequest } from './cluster'
import { CONTROL_EVENTS, type SubscriptionRevokedEvent } from './events'
import { projectRoom } from './rooms'

export type RevokeReason = SubscriptionRevokedEvent['reason']

export class Revocations {
  private io?: Server
  private clustered = false

  constructor(
    /** The user a socket acts as (undefined: anonymous). */
    private readonly userIdOf: (socket: Socket) => number | undefined = () => undefined
  ) {}

  /** Starts answering other instances' revocations (with the Redis adapter). */
  bind(io: Server, clustered: boolean) {
    this.io = io
    this.clustered = clustered
    if (clustered) asClusterServer(io).on('vibecode:revoke', (request) => this.revokeHere(request))
  }

  /** The project is gone: its subscribers are told, then the room is emptied on every instance. */
  closeRoom(projectId: number) {
    const room = projectRoom(projectId)
    const revoked: SubscriptionRevokedEvent = { project_id: projectId, reason: 'project_removed' }
    this.io?.to(room).emit(CONTROL_EVENTS.subscriptionRevoked, revoked)
    this.io?.in(room).socketsLeave(room)
  }

  /** Takes a user's sockets out of a project room, on every instance. */
  revokeUser(userId: number, projectId: number, reason: RevokeReason) {
    const request: RevokeRequest = { user_id: userId, project_id: projectId, reason }
    this.revokeHere(request)
    if (this.io && this.clustered) asClusterServer(this.io).serverSideEmit('vibecode:revoke', request)
  }

  /** One socket leaves one project room and hears why. */
  leave(socket: Socket, projectId: number, reason: RevokeReason) {
    socket.leave(projectRoom(projectId))
    const revoked: SubscriptionRevokedEvent = { project_id: projectId, reason }
    socket.emit(CONTROL_EVENTS.subscriptionRevoked, revoked)
  }

  /** This instance's part of a revocation: O(sockets in the room), revocations are rare. */
  private revokeHere({ user_id, project_id, reason }: RevokeRequest) {
    const namespace = this.io?.of('/')
    for (const id of [...(namespace?.adapter.rooms.get(projectRoom(project_id)) ?? [])]) {
      const socket = namespace?.sockets.get(id)
      if (socket && this.userIdOf(socket) === user_id) this.leave(socket, project_id, reason)
    }
  }
}
