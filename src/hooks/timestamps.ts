// created_at / updated_at as ISO 8601 strings: the same text on SQLite and PostgreSQL.
export const now = async () => new Date().toISOString()
