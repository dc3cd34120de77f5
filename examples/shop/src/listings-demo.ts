import type { Knex } from 'knex';
import type { SellerSync } from '@sellersync/core';
import type { Simulator } from '@sellersync/sp-api-simulator';
import { createDemoSync, GERMANY } from './create-demo-sync';
import { saveProduct } from './save-product';
import type { ShopProductRow } from './shop-database';

/** Products the demo adds through the save hook: one Amazon refuses, one sellersync refuses. */
export const DEMO_PRODUCTS: (Partial<Omit<ShopProductRow, 'id'>> & { sku: string })[] = [
  {
    // no brand: Amazon's processing report rejects the full listing
    sku: 'TEA-TOWEL-2',
    title: 'Cotton tea towels, set of 2',
    price_cents: 890,
    currency: 'EUR',
    stock: 40,
    image_url: 'https://shop.example/images/tea-towel.jpg',
    tags: 'kitchen,towel',
  },
  {
    // invalid before sending: an http image and a "sale" above the regular price
    sku: 'MUG-SECONDS',
    title: 'Classic mug, second choice',
    brand: 'Kaffeeklatsch',
    price_cents: 699,
    sale_price_cents: 799,
    currency: 'EUR',
    stock: 5,
    image_url: 'http://shop.example/images/mug-seconds.jpg',
  },
];

async function printOutcome(sync: SellerSync, sim: Simulator, knex: Knex): Promise<void> {
  const rows = (await knex('products').where('hidden', false).orderBy('id')) as ShopProductRow[];
  console.log('\nwhat Amazon holds now (the simulator, Amazon.de):');
  console.table(
    rows.map((row) => {
      const offer = sim.state.offer(row.sku, GERMANY);
      return {
        sku: row.sku,
        'shop stock': row.stock,
        'Amazon quantity': offer?.quantity ?? '—',
        'Amazon price': offer?.price ?? '—',
        'Amazon sale price': offer?.salePrice ?? '',
      };
    }),
  );
  const failed = await sync.changeLog.list({ status: 'failed' });
  if (failed.length > 0) {
    console.log('\nnot on Amazon, and why (the change log):');
    for (const entry of failed) console.log(`  ${entry.sku}  [${entry.lastError?.code}] ${entry.lastError?.message}`);
  }
}

/**
 * The listings part of the demo: the save hook queued the shop's products; the sync sends them to
 * a local Amazon (the SP-API simulator) as JSON_LISTINGS_FEED documents, reads Amazon's report,
 * and the shop sees what was accepted and what was rejected and why.
 */
export async function runListingsDemo(knex: Knex, sim: Simulator): Promise<void> {
  for (const product of DEMO_PRODUCTS) await saveProduct(knex, product);
  const sync = createDemoSync(knex, sim);

  const preview = await sync.previewFeed({ skus: ['MUG-CLASSIC-BLUE'] });
  const message = (JSON.parse(preview.documents[0]!.content) as { messages: unknown[] }).messages[0];
  console.log('\npreview of the message for MUG-CLASSIC-BLUE (exactly what will be sent):');
  console.log(JSON.stringify(message, null, 2).split('\n').slice(0, 16).join('\n') + '\n  …');

  const started = Date.now();
  const pushed = await sync.pushListings({ untilDrained: true, timeoutMs: 30_000 });
  console.log(
    `\npushListings: ${pushed.feedsSubmitted} feed(s), ${pushed.messagesSent} message(s) in ${Date.now() - started} ms; ` +
      `${pushed.acknowledged} queued change(s) done, ${pushed.rejected} rejected by Amazon, ${pushed.invalid} refused before sending`,
  );
  const report = (await sync.status()).listings.lastReports[0];
  if (report) console.log(`last feed ${report.feedId}: ${report.status}, summary ${JSON.stringify(report.summary)}`);
  await printOutcome(sync, sim, knex);

  // stock changed outside the save hook (a POS sale written straight to the database)
  await knex('products').where({ sku: 'MUG-CLASSIC-RED' }).update({ stock: 2 });
  const reconciled = await sync.reconcile();
  console.log(
    `\nreconcile after a POS sale of MUG-CLASSIC-RED outside the hooks: ${reconciled.scanned} scanned, ` +
      `${reconciled.unchanged} unchanged, ${reconciled.skipped} already reported, ${reconciled.enqueued} queued`,
  );
  await sync.pushListings({ untilDrained: true, timeoutMs: 30_000 });
  console.log(`MUG-CLASSIC-RED on Amazon now: quantity ${sim.state.offer('MUG-CLASSIC-RED', GERMANY)?.quantity} (stock 2, safety buffer 1)`);
}
