import type pg from 'pg';

/** A PostgreSQL identifier, double-quoted. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Creates a PostgreSQL schema and runs `ddl(quotedSchema)` (idempotent statements: CREATE ... IF NOT
 * EXISTS) in one transaction, under a transaction-scoped advisory lock named `lock.schema`, so
 * replicas starting together never race on the DDL. Rolls back and rethrows on any error.
 */
export async function createPgSchema(
  client: pg.ClientBase,
  schema: string,
  lock: string,
  ddl: (s: string) => string,
): Promise<void> {
  const s = quoteIdent(schema);
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${lock}.${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await client.query(ddl(s));
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
