import { randomBytes } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import { resolveTableNames } from '../database/table-names';

/** A database engine a suite can run on. */
export interface TestDatabase {
  readonly name: 'sqlite' | 'postgres' | 'mysql';
  /**
   * Opens a new knex instance (SQLite: a fresh in-memory database; servers: a pool of `poolSize`
   * connections to the configured database). The caller destroys it.
   */
  connect(poolSize?: number): Knex;
}

/** The runner functions {@link describeEachDatabase} registers with. */
export interface DatabaseSuiteRunner {
  describe: ((name: string, body: () => void) => void) & { skip?: (name: string, body: () => void) => void };
  test(name: string, body: () => void | Promise<void>): void;
}

/** The environment variables that name the server databases of the test suites. */
export const TEST_DATABASE_VARIABLES = { postgres: 'SELLERSYNC_TEST_PG_URL', mysql: 'SELLERSYNC_TEST_MYSQL_URL' } as const;

const sqlite: TestDatabase = {
  name: 'sqlite',
  connect: () => knexFactory({ client: 'better-sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true }),
};

const noticed = new Set<string>();

/**
 * Registers `body` once per configured database: SQLite always (better-sqlite3 must be
 * installed), PostgreSQL and MySQL/MariaDB when `SELLERSYNC_TEST_PG_URL` /
 * `SELLERSYNC_TEST_MYSQL_URL` are set (drivers `pg` / `mysql2`). A server without its URL is
 * skipped with a printed notice, except in CI (`CI` set to anything but empty, `0` or `false`, as
 * CI services set it), where a failing test takes its place: in CI a server suite must run.
 */
export function describeEachDatabase(
  runner: DatabaseSuiteRunner,
  title: string,
  body: (database: TestDatabase) => void,
  options: { readonly serversOnly?: boolean; readonly env?: NodeJS.ProcessEnv } = {},
): void {
  const env = options.env ?? process.env;
  if (!options.serversOnly) runner.describe(`${title} [sqlite]`, () => body(sqlite));
  for (const [name, variable] of Object.entries(TEST_DATABASE_VARIABLES) as ['postgres' | 'mysql', string][]) {
    const url = env[variable];
    if (url) {
      const client = name === 'postgres' ? 'pg' : 'mysql2';
      const database: TestDatabase = {
        name,
        connect: (poolSize = 4) => knexFactory({ client, connection: url, pool: { min: 0, max: poolSize } }),
      };
      runner.describe(`${title} [${name}]`, () => body(database));
    } else if (isCi(env)) {
      runner.describe(`${title} [${name}]`, () => {
        runner.test(`runs on ${name}`, () => {
          throw new Error(`${variable} is not set: in CI the ${name} suite must run, not skip. Run the tests through .ci/run.`);
        });
      });
    } else {
      if (!noticed.has(name)) {
        noticed.add(name);
        process.stderr.write(`notice: ${variable} is not set; ${name} suites are skipped on this machine.\n`);
      }
      runner.describe.skip?.(`${title} [${name}] (skipped: ${variable} not set)`, () => body(sqlite));
    }
  }
}

function isCi(env: NodeJS.ProcessEnv): boolean {
  const value = (env['CI'] ?? '').trim().toLowerCase();
  return value !== '' && value !== '0' && value !== 'false';
}

/** A table prefix no other test uses, so suites may share a server database. */
export function uniqueTablePrefix(label = 't'): string {
  return `${label}${randomBytes(4).toString('hex')}_`;
}

/** Drops every sellersync table of a prefix. */
export async function dropSellerSyncTables(knex: Knex, prefix: string): Promise<void> {
  const tables = resolveTableNames(prefix);
  for (const [key, name] of Object.entries(tables)) {
    if (key === 'prefix') continue;
    await knex.schema.dropTableIfExists(name);
  }
}
