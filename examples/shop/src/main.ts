/**
 * The sellersync demo: a small shop on SQLite whose save hook queues changes for Amazon inside the
 * shop's own transaction, and the listings sync that sends them to a local Amazon (the SP-API
 * simulator) and reports what Amazon accepted and rejected; then Amazon orders imported into the
 * shop (stock reserved, sold, restored) and a parcel the shop ships confirmed to Amazon. Run it
 * with `pnpm demo` from the repository root.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import knexFactory from 'knex';
import { createChangeLog, enqueueChange, migrate, SellerSyncError } from '@sellersync/core';
import { startSimulator } from '@sellersync/sp-api-simulator';
import { TIME_SCALE } from './create-demo-sync';
import { runListingsDemo } from './listings-demo';
import { runOrdersDemo } from './orders-demo';
import { createShopSchema, SAMPLE_PRODUCTS } from './shop-database';
import { saveProduct } from './save-product';

async function main(): Promise<void> {
  const dir = join(process.cwd(), '.demo');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'shop.sqlite');
  rmSync(file, { force: true });
  const knex = knexFactory({ client: 'better-sqlite3', connection: { filename: file }, useNullAsDefault: true });
  try {
    await createShopSchema(knex);
    const { applied } = await migrate(knex);
    console.log(`migrated ${file}: ${applied.join(', ')}`);

    for (const product of SAMPLE_PRODUCTS) await saveProduct(knex, product);
    await saveProduct(knex, { sku: 'MUG-CLASSIC-RED', price_cents: 1199 });
    await saveProduct(knex, { sku: 'MUG-CLASSIC-RED', stock: 24 });
    await saveProduct(knex, { sku: 'TEAPOT-1L', title: 'Teapot 1 l with steel strainer' }, 'listing');

    // a save that fails rolls back, and nothing reaches the queue
    try {
      await knex.transaction(async (trx) => {
        await trx('products').where({ sku: 'MUG-CLASSIC-BLUE' }).update({ stock: 0 });
        await enqueueChange(trx, { sku: 'MUG-CLASSIC-BLUE' });
        throw new Error('payment module vetoed the save');
      });
    } catch (error) {
      console.log(`rolled back: ${(error as Error).message} (MUG-CLASSIC-BLUE stays as it was)`);
    }

    // a bad SKU is refused with a clear error, before anything is written
    try {
      await enqueueChange(knex, { sku: 'A-SKU-THAT-IS-FAR-TOO-LONG-FOR-AMAZON-0123456789' });
    } catch (error) {
      if (SellerSyncError.isInstance(error)) console.log(`refused: ${error.code}: ${error.message}`);
    }

    const changeLog = createChangeLog(knex);
    console.log('\nqueue:');
    console.table(
      (await changeLog.list({ limit: 20 })).map((entry) => ({
        sku: entry.sku,
        kind: entry.kind,
        marketplace: entry.marketplaceId,
        version: entry.version,
        status: entry.status,
      })),
    );
    console.log('stats:', await changeLog.stats());

    const sim = await startSimulator({ timeScale: TIME_SCALE });
    try {
      await runListingsDemo(knex, sim);
      await runOrdersDemo(knex, sim);
      // the simulator's own failures would make the output above untrustworthy
      if (sim.state.errors.length > 0) throw new Error(`The SP-API simulator failed internally: ${sim.state.errors.join('; ')}`);
    } finally {
      await sim.close();
    }
  } finally {
    await knex.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
