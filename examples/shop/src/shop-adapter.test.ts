import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { describeEachDatabase, runAdapterConformance, uniqueTablePrefix, type ConformanceFixture } from '@sellersync/core/testing';
import type { Knex } from 'knex';
import { shipOrder } from './ship-order';
import { exampleShopAdapter } from './shop-adapter';
import { createShopSchema, dropShopSchema, shopTables } from './shop-database';

// The example shop's adapter passes the conformance suite on every configured database; the
// fixture seeds and reads the shop's tables with raw queries, never through the adapter.
describeEachDatabase({ describe, test }, 'example shop adapter', (database) => {
  let knex: Knex;
  const prefixes: string[] = [];

  beforeAll(() => {
    knex = database.connect(4);
  });

  afterAll(async () => {
    for (const prefix of prefixes) await dropShopSchema(knex, prefix);
    await knex.destroy();
  });

  const insertId = async (table: string, row: Record<string, unknown>): Promise<number> => {
    const query = knex(table).insert(row);
    const [inserted] = database.name === 'postgres' ? await query.returning('id') : await query;
    return Number(typeof inserted === 'object' && inserted !== null ? (inserted as { id: unknown }).id : inserted);
  };

  const setup = async (): Promise<ConformanceFixture> => {
    const prefix = uniqueTablePrefix('shop');
    prefixes.push(prefix);
    await createShopSchema(knex, prefix);
    const t = shopTables(prefix);
    return {
      adapter: exampleShopAdapter(knex, { prefix }),
      async insertProduct(product) {
        if (product.variantOf !== undefined) throw new Error('the example shop has no variants (the group is switched off)');
        const id = await insertId(t.products, {
          sku: product.sku,
          title: product.title,
          ean: product.gtin ?? null,
          asin: product.asin ?? null,
          price_cents: product.price.amount,
          currency: product.price.currency,
          stock: product.quantity,
          active: product.active ?? true,
          sale_price_cents: product.salePrice?.price.amount ?? null,
          sale_starts_at: product.salePrice?.startsAt?.getTime() ?? null,
          sale_ends_at: product.salePrice?.endsAt?.getTime() ?? null,
          marketplace_ids: product.marketplaceIds ? product.marketplaceIds.join(',') : null,
        });
        return { productRef: String(id), variantRef: null };
      },
      async readQuantity(ref) {
        return Number((await knex(t.products).where({ id: Number(ref.productRef) }).first()).stock);
      },
      async readOrder(orderRef) {
        const order = await knex(t.orders).where({ id: Number(orderRef) }).first();
        if (!order) return null;
        const [row] = await knex(t.orderLines).where({ order_id: order.id }).count({ count: '*' });
        return { externalId: order.external_id, status: order.status, lineCount: Number(row?.count) };
      },
      async countOrders(externalId) {
        const [row] = await knex(t.orders).where({ external_id: externalId }).count({ count: '*' });
        return Number(row?.count);
      },
      // the shop's own "mark as shipped" (plain queries, not the adapter), as the demo uses it
      async shipOrder(orderRef, shipment) {
        await shipOrder(knex, orderRef, shipment, prefix);
      },
      async productExists(sku) {
        return (await knex(t.products).where({ sku }).first()) !== undefined;
      },
      async countProducts(sku) {
        const [row] = await knex(t.products).where({ sku, hidden: false }).count({ count: '*' });
        return Number(row?.count);
      },
    };
  };

  runAdapterConformance(
    { describe, test, expect },
    {
      name: `example shop (${database.name})`,
      setup,
      capabilities: {
        listingData: true,
        orders: true,
        stockReservations: true,
        shipments: true,
        placeholderProduct: true,
        createProducts: true,
      },
      skip: { variants: 'the example shop has no product variants (combinations)' },
    },
  );
});
