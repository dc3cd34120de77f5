/**
 * What a shop save hook pays for sellersync: one enqueueChange inside the shop's transaction,
 * against the same transaction with a bare single-row insert, on SQLite and PostgreSQL; and
 * enqueue throughput for batches of 1, 100 and 10,000 changes. Prints numbers; not a test.
 *
 * PostgreSQL: SELLERSYNC_TEST_PG_URL, or postgres://postgres@127.0.0.1:5432/test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { enqueueChange, migrate } from '../src';
import { dropSellerSyncTables } from '../src/testing';

const ROUNDS = 5;
const TRANSACTIONS = 1000;
const SKUS = 100;

interface Engine {
  name: string;
  open(): Promise<Knex | null>;
  close(knex: Knex): Promise<void>;
}

const tmp = mkdtempSync(join(tmpdir(), 'sellersync-bench-'));
const engines: Engine[] = [
  {
    name: 'SQLite (better-sqlite3, file, WAL)',
    async open() {
      const knex = knexFactory({ client: 'better-sqlite3', connection: { filename: join(tmp, 'bench.sqlite') }, useNullAsDefault: true });
      await knex.raw('pragma journal_mode = wal');
      await knex.raw('pragma synchronous = normal');
      return knex;
    },
    close: (knex) => knex.destroy(),
  },
  {
    name: 'PostgreSQL 15 (loopback)',
    async open() {
      const knex = knexFactory({
        client: 'pg',
        connection: process.env['SELLERSYNC_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test',
        pool: { min: 1, max: 1 },
      });
      try {
        await knex.raw('select 1');
        return knex;
      } catch (error) {
        console.log(`  PostgreSQL not reachable (${(error as Error).message}); skipped`);
        await knex.destroy();
        return null;
      }
    },
    close: (knex) => knex.destroy(),
  },
];

const prefix = `bench${process.pid}_`;
const products = `${prefix}shop_products`;
const outbox = `${prefix}bare_outbox`;

async function setup(knex: Knex): Promise<void> {
  await dropSellerSyncTables(knex, prefix);
  await knex.schema.dropTableIfExists(products);
  await knex.schema.dropTableIfExists(outbox);
  await migrate(knex, { tablePrefix: prefix });
  await knex.schema.createTable(products, (t) => {
    t.increments('id').primary();
    t.string('sku', 40).notNullable();
    t.integer('stock').notNullable();
  });
  await knex.schema.createTable(outbox, (t) => {
    t.bigIncrements('id').primary();
    t.string('sku', 40).notNullable();
    t.bigInteger('created_at').notNullable();
  });
  await knex(products).insert(Array.from({ length: SKUS }, (_, i) => ({ sku: `SKU-${i}`, stock: 10 })));
}

async function teardown(knex: Knex): Promise<void> {
  await dropSellerSyncTables(knex, prefix);
  await knex.schema.dropTableIfExists(products);
  await knex.schema.dropTableIfExists(outbox);
}

type Variant = (trx: Knex.Transaction, i: number) => Promise<unknown>;

const bareOnly: Variant = (trx, i) => trx(outbox).insert({ sku: `SKU-${i % SKUS}`, created_at: Date.now() });
const enqueueOnly: Variant = (trx, i) => enqueueChange(trx, { sku: `SKU-${i % SKUS}` }, { tablePrefix: prefix });
const save = (write: Variant): Variant => async (trx, i) => {
  await trx(products).where({ id: (i % SKUS) + 1 }).update({ stock: i % 50 });
  await write(trx, i);
};

async function timeTransactions(knex: Knex, variant: Variant): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < TRANSACTIONS; i += 1) await knex.transaction((trx) => variant(trx, i));
  return Number(process.hrtime.bigint() - start) / 1e6 / TRANSACTIONS;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function compare(knex: Knex, label: string, baseline: Variant, measured: Variant): Promise<void> {
  await timeTransactions(knex, baseline);
  await timeTransactions(knex, measured);
  const base: number[] = [];
  const ours: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    // alternate the order so neither side always runs on a warmer cache
    if (round % 2 === 0) {
      base.push(await timeTransactions(knex, baseline));
      ours.push(await timeTransactions(knex, measured));
    } else {
      ours.push(await timeTransactions(knex, measured));
      base.push(await timeTransactions(knex, baseline));
    }
  }
  const b = median(base);
  const o = median(ours);
  console.log(
    `  ${label.padEnd(46)} bare insert ${(b * 1000).toFixed(0).padStart(5)} µs/txn   enqueueChange ${(o * 1000)
      .toFixed(0)
      .padStart(5)} µs/txn   ratio ${(o / b).toFixed(2)}`,
  );
}

async function throughput(knex: Knex): Promise<void> {
  for (const batch of [1, 100, 10_000]) {
    const calls = batch === 1 ? 2000 : batch === 100 ? 200 : 10;
    const start = process.hrtime.bigint();
    for (let call = 0; call < calls; call += 1) {
      const changes = Array.from({ length: batch }, (_, i) => ({ sku: `T-${(call * batch + i) % 50_000}` }));
      await knex.transaction((trx) => enqueueChange(trx, changes, { tablePrefix: prefix }));
    }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const perCall = (seconds * 1000) / calls;
    console.log(
      `  batch ${String(batch).padStart(6)}: ${Math.round((calls * batch) / seconds)
        .toLocaleString('en-US')
        .padStart(9)} changes/s   ${perCall.toFixed(2).padStart(8)} ms per call (one transaction, one round trip)`,
    );
  }
}

async function main(): Promise<void> {
  console.log(`enqueueChange: ${TRANSACTIONS} transactions × ${ROUNDS} rounds (median), ${SKUS} SKUs, Node ${process.version}`);
  for (const engine of engines) {
    console.log(`\n${engine.name}`);
    const knex = await engine.open();
    if (!knex) continue;
    try {
      await setup(knex);
      await compare(knex, 'transaction with only the outbox write', bareOnly, enqueueOnly);
      await compare(knex, 'save (update product) + outbox write', save(bareOnly), save(enqueueOnly));
      await throughput(knex);
    } finally {
      await teardown(knex);
      await engine.close(knex);
    }
  }
  rmSync(tmp, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
