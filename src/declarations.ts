// Types shared by the whole application: its settings and its service map.
import type { HookContext as FeathersHookContext, NextFunction } from '@feathersjs/feathers'
import type { Application as FeathersApplication } from '@feathersjs/koa'
import type { ApplicationConfiguration } from './configuration'
import type { User } from './services/users/users.schema'

export type { NextFunction }

// The settings every part of the app reads with `app.get(...)`.
export interface Configuration extends ApplicationConfiguration {}

// Filled in by each service's `declare module` block.
export interface ServiceTypes {}

export type Application = FeathersApplication<ServiceTypes, Configuration>

export type HookContext<S = any> = FeathersHookContext<Application, S>

declare module '@feathersjs/feathers/lib/declarations' {
  interface Params {
    /** Who is calling: set for every external call by src/auth/hooks.ts; read it with currentUser(params). */
    user?: User
  }
}
