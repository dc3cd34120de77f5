import { describe, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import { resolveTableNames, type TableNames } from '../database/table-names';

/** A database engine a suite can run on. */
export interface TestEngine {
  readonly name: 'sqlite' | 'postgres' | 'mysql';
  /** Opens a new knex instance on this engine (pool of `poolSize` connections). */
  connect(poolSize?: number): Knex;
}

const SERVER_ENGINES = [
  { name: 'postgres', env: 'SELLERSYNC_TEST_PG_URL', client: 'pg' },
  { name: 'mysql', env: 'SELLERSYNC_TEST_MYSQL_URL', client: 'mysql2' },
] as const;

const noticed = new Set<string>();

const sqlite: TestEngine = {
  name: 'sqlite',
  connect: () => knexFactory({ client: 'better-sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true }),
};

/**
 * Runs `body` once per configured engine: SQLite always, PostgreSQL and MariaDB/MySQL when
 * `SELLERSYNC_TEST_PG_URL` / `SELLERSYNC_TEST_MYSQL_URL` are set. A server engine without its URL
 * is skipped with a printed notice, except under `CI=true`, where it fails instead.
 */
export function describeEachEngine(
  title: string,
  body: (engine: TestEngine) => void,
  options: { readonly serversOnly?: boolean } = {},
): void {
  if (!options.serversOnly) describe(`${title} [sqlite]`, () => body(sqlite));
  for (const server of SERVER_ENGINES) {
    const url = process.env[server.env];
    if (url) {
      const engine: TestEngine = {
        name: server.name,
        connect: (poolSize = 4) =>
          knexFactory({ client: server.client, connection: url, pool: { min: 0, max: poolSize } }),
      };
      describe(`${title} [${server.name}]`, () => body(engine));
    } else if (process.env['CI'] === 'true') {
      describe(`${title} [${server.name}]`, () => {
        test(`runs on ${server.name}`, () => {
          throw new Error(`${server.env} is not set: in CI a ${server.name} suite must run, not skip. Run it through .ci/run.`);
        });
      });
    } else {
      if (!noticed.has(server.name)) {
        noticed.add(server.name);
        process.stderr.write(`notice: ${server.env} is not set; ${server.name} suites are skipped on this machine.\n`);
      }
      describe.skip(`${title} [${server.name}] (skipped: ${server.env} not set)`, () => body(sqlite));
    }
  }
}

/** A table prefix no other test uses, so suites may share a server database. */
export function uniquePrefix(label = 't'): string {
  return `${label}${randomBytes(4).toString('hex')}_`;
}

/** Drops every sellersync table of a prefix. */
export async function dropTables(knex: Knex, prefix: string): Promise<void> {
  const tables: TableNames = resolveTableNames(prefix);
  for (const [key, name] of Object.entries(tables)) {
    if (key === 'prefix') continue;
    await knex.schema.dropTableIfExists(name);
  }
}
