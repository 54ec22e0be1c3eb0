// Project roles and what each one may do. Ranked: every role may do what the ones below it may.
//   viewer: read the project and its sessions, messages, test runs; subscribe to its room.
//   editor: also create sessions, post messages, start and cancel test runs.
//   owner:  also patch (name, test_command) and delete the project, and manage its members.
export const ROLES = ['viewer', 'editor', 'owner'] as const
export type Role = (typeof ROLES)[number]

const RANK: Record<Role, number> = { viewer: 1, editor: 2, owner: 3 }

export const isRole = (value: unknown): value is Role => typeof value === 'string' && value in RANK

/** Whether a member with `role` may do what needs `needed`. */
export const allows = (role: Role | undefined, needed: Role) => role !== undefined && RANK[role] >= RANK[needed]
