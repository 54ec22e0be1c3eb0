// The catalog of socket events: every name the server emits or handles, with its payload schema
// (TypeBox) and type (the schema's Static<>: one source). The modules:
//   events/names.ts          event names (light: the browser client imports only these)
//   events/control.ts        subscribe/unsubscribe and their acks, errors, heartbeat, auth, revocations
//   events/project.ts        typed project events (vibecode_*, token_usage, test_*), logged or live-only
//   events/presence.ts       presence entries and presence_join/presence_leave
//   events/service-events.ts Feathers service events that reach project rooms (`messages created` …)
//   events/catalog.ts        EVENT_CATALOG: name -> schema, sender, room, delivery, description
// The README's wire contract is written from these; `GET /asyncapi.json` is built from EVENT_CATALOG
// (src/contract/asyncapi.ts); the tests validate every payload they receive against it.
export * from './events/names'
export * from './events/control'
export * from './events/project'
export * from './events/presence'
export * from './events/service-events'
export * from './events/catalog'
