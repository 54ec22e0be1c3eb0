// Project members: who may see and change a project, with which role (src/access/roles.ts).
import { Type, getValidator } from '@feathersjs/typebox'
import type { Static } from '@feathersjs/typebox'
import { dataValidator } from '../../validators'

const role = Type.Union([Type.Literal('viewer'), Type.Literal('editor'), Type.Literal('owner')])

export const memberSchema = Type.Object(
  {
    project_id: Type.Integer(),
    user_id: Type.Integer(),
    email: Type.Union([Type.String(), Type.Null()]),
    role,
    created_at: Type.String({ format: 'date-time' })
  },
  { $id: 'Member', additionalProperties: false }
)
export type ProjectMember = Static<typeof memberSchema>

/** Add a member by user id or by email (exactly one of them), with a role. */
export const memberDataSchema = Type.Union(
  [
    Type.Object({ user_id: Type.Integer({ minimum: 1 }), role }, { additionalProperties: false }),
    Type.Object({ email: Type.String({ minLength: 3, maxLength: 254 }), role }, { additionalProperties: false })
  ],
  { $id: 'MemberData' }
)
export type MemberData = Static<typeof memberDataSchema>
export const memberDataValidator = getValidator(memberDataSchema, dataValidator)

export const memberPatchSchema = Type.Object({ role }, { $id: 'MemberPatch', additionalProperties: false })
export type MemberPatch = Static<typeof memberPatchSchema>
export const memberPatchValidator = getValidator(memberPatchSchema, dataValidator)
