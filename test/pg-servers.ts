import pg from 'pg';

/**
 * The machine's PostgreSQL (trust auth, database `test`), which the PostgreSQL bundle source's tests
 * need: they fail, never skip, without it (.ci/run starts it).
 */
export const SHARED_DATABASE_URL =
  process.env.RISK_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A schema of its own for one test file's run, so runs sharing the database never meet. */
export function uniqueSchema(name: string): string {
  return `risk_test_${name}_${process.pid}_${Date.now().toString(36)}`.toLowerCase();
}

/** Runs one statement on the shared database (a fresh connection), answering its rows. */
export async function sql<R extends pg.QueryResultRow = pg.QueryResultRow>(
  text: string,
  values: unknown[] = [],
  url = SHARED_DATABASE_URL,
): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** Drops a test schema and everything in it. */
export async function dropSchema(schema: string, url = SHARED_DATABASE_URL): Promise<void> {
  await sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`, [], url);
}
