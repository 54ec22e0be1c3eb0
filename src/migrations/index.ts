// Migrations are listed here, in order, instead of being found by scanning a folder: the same list
// then works from TypeScript sources (tests) and from compiled lib/ (npm start).
import type { Knex } from 'knex'
import * as init from './20261125000000_projects_sessions_messages'
import * as eventLog from './20261125010000_event_log'
import * as messageAnswers from './20261125020000_message_answers'
import * as testRuns from './20261125030000_test_runs'
import * as users from './20261126000000_users'
import * as projectMembers from './20261126010000_project_members'
import * as streamEpochs from './20261127000000_stream_epochs'

const migrations: Record<string, Knex.Migration> = {
  '20261125000000_projects_sessions_messages': init,
  '20261125010000_event_log': eventLog,
  '20261125020000_message_answers': messageAnswers,
  '20261125030000_test_runs': testRuns,
  '20261126000000_users': users,
  '20261126010000_project_members': projectMembers,
  '20261127000000_stream_epochs': streamEpochs
}

export const migrationSource: Knex.MigrationSource<string> = {
  async getMigrations() {
    return Object.keys(migrations)
  },
  getMigrationName(name) {
    return name
  },
  async getMigration(name) {
    return migrations[name]
  }
}
