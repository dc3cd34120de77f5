/**
 * What a shop save hook pays for sellersync: one enqueueChange inside the shop's transaction,
 * against the same transaction with a bare single-row insert, on SQLite and PostgreSQL; and
 * enqueue throughput for batches of 1, 100 and 10,000 changes. Prints numbers; not a test.
 * Every figure is given as min / median / max over the rounds, with the machine's 1-minute load
 * average, because one sample on a shared machine says little.
 *
 * PostgreSQL: SELLERSYNC_TEST_PG_URL, or postgres://postgres@127.0.0.1:5432/test.
 * BENCH_ROUNDS: rounds per figure (default 9).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { enqueueChange, migrate } from '../src';
import { dropSellerSyncTables } from '../src/testing';

const ROUNDS = Math.max(3, Number(process.env['BENCH_ROUNDS']) || 9);
const THROUGHPUT_ROUNDS = Math.max(3, Math.ceil(ROUNDS / 2));
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

interface Spread {
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length % 2 === 1 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
  return { min: sorted[0]!, median: middle, max: sorted.at(-1)! };
}

const show = (value: Spread, format: (n: number) => string) => `${format(value.min)} / ${format(value.median)} / ${format(value.max)}`;
const micros = (ms: number) => (ms * 1000).toFixed(0);
const load = () => loadavg()[0]!.toFixed(2);

async function compare(knex: Knex, label: string, baseline: Variant, measured: Variant): Promise<void> {
  await timeTransactions(knex, baseline);
  await timeTransactions(knex, measured);
  const base: number[] = [];
  const ours: number[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    // alternate the order so neither side always runs on a warmer cache
    let b: number;
    let o: number;
    if (round % 2 === 0) {
      b = await timeTransactions(knex, baseline);
      o = await timeTransactions(knex, measured);
    } else {
      o = await timeTransactions(knex, measured);
      b = await timeTransactions(knex, baseline);
    }
    base.push(b);
    ours.push(o);
    // a round's two halves ran back to back, so their ratio is less exposed to load swings
    ratios.push(o / b);
  }
  console.log(`  ${label} (load ${load()})`);
  console.log(`    bare insert     µs/txn  ${show(spread(base), micros)}`);
  console.log(`    enqueueChange   µs/txn  ${show(spread(ours), micros)}`);
  console.log(`    ratio per round         ${show(spread(ratios), (n) => n.toFixed(2))}`);
}

async function throughput(knex: Knex): Promise<void> {
  for (const batch of [1, 100, 10_000]) {
    const calls = batch === 1 ? 2000 : batch === 100 ? 200 : 10;
    const rates: number[] = [];
    const perCall: number[] = [];
    for (let round = 0; round < THROUGHPUT_ROUNDS; round += 1) {
      const start = process.hrtime.bigint();
      for (let call = 0; call < calls; call += 1) {
        const changes = Array.from({ length: batch }, (_, i) => ({ sku: `T-${(call * batch + i) % 50_000}` }));
        await knex.transaction((trx) => enqueueChange(trx, changes, { tablePrefix: prefix }));
      }
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      rates.push((calls * batch) / seconds);
      perCall.push((seconds * 1000) / calls);
    }
    console.log(
      `  batch ${String(batch).padStart(6)}: changes/s ${show(spread(rates), (n) => Math.round(n).toLocaleString('en-US'))}   ` +
        `ms per call ${show(spread(perCall), (n) => n.toFixed(2))} (one transaction, one round trip; load ${load()})`,
    );
  }
}

async function main(): Promise<void> {
  console.log(
    `enqueueChange: ${TRANSACTIONS} transactions × ${ROUNDS} alternating rounds, ${SKUS} SKUs; throughput ${THROUGHPUT_ROUNDS} rounds; ` +
      `figures are min / median / max; Node ${process.version}, ${cpus().length} cores, 1-minute load average ${load()}`,
  );
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
  console.log(`\nload average at the end: ${load()} (1 min)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
