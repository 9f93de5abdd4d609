import type pg from 'pg';
import { createPgSchema } from './create-pg-schema.js';

export { quoteIdent } from './create-pg-schema.js';

/** The channel the heads of schema `schema` are announced on (one per schema, so schemas never mix). */
export function headChannel(schema: string): string {
  return `risk_bundle_head.${schema}`;
}

/**
 * Creates the bundle source's tables in `schema` if they are missing (docs/architecture.md §6),
 * under a transaction-scoped advisory lock so replicas starting together do not race on the DDL:
 *
 * - `risk_bundle_blobs`: file contents by SHA-256, so the model is stored once for every version;
 * - `risk_bundle_versions`: one row per version (name, created_at, created_by, previous, diff);
 * - `risk_bundle_files`: the files of a version, path to blob;
 * - `risk_bundle_head`: one row, the version served, the count of list changes and a revision that
 *   grows with every change (publishers lock it FOR UPDATE, which serialises them);
 * - `risk_list_changes`: live list items added or removed, numbered from 1 in order;
 * - `risk_bundle_audit`: every load, publish, rollback, rejection and list change.
 */
export async function ensurePgBundleSchema(client: pg.ClientBase, schema: string): Promise<void> {
  await createPgSchema(
    client,
    schema,
    'risk_bundle_schema',
    (s) => `
      CREATE TABLE IF NOT EXISTS ${s}.risk_bundle_blobs (
        sha256 text PRIMARY KEY,
        content bytea NOT NULL
      );
      CREATE TABLE IF NOT EXISTS ${s}.risk_bundle_versions (
        version text PRIMARY KEY,
        name text NOT NULL,
        created_at timestamptz NOT NULL,
        created_by text NOT NULL,
        previous text,
        diff jsonb
      );
      CREATE TABLE IF NOT EXISTS ${s}.risk_bundle_files (
        version text NOT NULL REFERENCES ${s}.risk_bundle_versions (version),
        path text NOT NULL,
        sha256 text NOT NULL REFERENCES ${s}.risk_bundle_blobs (sha256),
        PRIMARY KEY (version, path)
      );
      CREATE TABLE IF NOT EXISTS ${s}.risk_bundle_head (
        id smallint PRIMARY KEY CHECK (id = 1),
        revision bigint NOT NULL,
        version text REFERENCES ${s}.risk_bundle_versions (version),
        lists integer NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE IF NOT EXISTS ${s}.risk_list_changes (
        n integer PRIMARY KEY,
        list text NOT NULL,
        value text NOT NULL,
        item jsonb,
        at timestamptz NOT NULL,
        by text NOT NULL
      );
      CREATE TABLE IF NOT EXISTS ${s}.risk_bundle_audit (
        id bigserial PRIMARY KEY,
        revision bigint,
        at timestamptz NOT NULL,
        action text NOT NULL,
        by text NOT NULL,
        version text,
        entry jsonb NOT NULL
      );
      INSERT INTO ${s}.risk_bundle_head (id, revision, version, lists) VALUES (1, 0, NULL, 0)
        ON CONFLICT (id) DO NOTHING;
    `,
  );
}
