import type { Knex } from 'knex';
import { databaseEngine } from '../dialect';
import { exactUnicode, type SellerSyncMigration } from './migration';

/**
 * MySQL's and MariaDB's `utf8mb4_bin` ignores trailing spaces (PAD SPACE), so `"SKU"` and `"SKU "`
 * would collide in a unique index; seller SKUs compare exactly, so their columns use a NO PAD binary
 * collation. `null` on other engines.
 */
async function noPadCollation(knex: Knex): Promise<string | null> {
  if (databaseEngine(knex) !== 'mysql') return null;
  const result = (await knex.raw('select version() as version')) as unknown as [{ version: string }[]];
  return /mariadb/i.test(String(result[0][0]?.version)) ? 'utf8mb4_nopad_bin' : 'utf8mb4_0900_bin';
}

function exact(column: Knex.ColumnBuilder, collation: string | null): Knex.ColumnBuilder {
  return collation === null ? column : column.collate(collation);
}

/** The mapping table (shop product ↔ seller SKU per marketplace) and the mismatch log. */
export const matchingMigration: SellerSyncMigration = {
  name: '003-matching',
  async up(knex, tables) {
    const collation = await noPadCollation(knex);
    await knex.schema.createTable(tables.productMappings, (table) => {
      exactUnicode(knex, table);
      table.bigIncrements('id').primary();
      table.string('account_id', 64).notNullable();
      table.string('marketplace_id', 32).notNullable();
      exact(table.string('seller_sku', 40), collation).notNullable();
      table.string('fulfillment_channel', 3).notNullable();
      table.string('product_ref', 191).notNullable();
      table.string('variant_ref', 191).nullable();
      table.string('asin', 10).nullable();
      table.string('source', 32).notNullable();
      table.text('title').nullable();
      table.bigInteger('created_at').notNullable();
      table.bigInteger('updated_at').notNullable();
      // a seller SKU names one listing per account and marketplace; several SKUs may name one product
      table.unique(['account_id', 'marketplace_id', 'seller_sku'], { indexName: `${tables.productMappings}_sku` });
      table.index(['account_id', 'product_ref'], `${tables.productMappings}_product`);
      table.index(['account_id', 'asin'], `${tables.productMappings}_asin`);
    });
    await knex.schema.createTable(tables.mismatches, (table) => {
      exactUnicode(knex, table);
      table.bigIncrements('id').primary();
      table.string('account_id', 64).notNullable();
      table.string('marketplace_id', 32).notNullable();
      table.string('source', 32).notNullable();
      // what the row is about (a seller SKU, a shop product): one entry per item and source
      exact(table.string('item_key', 400), collation).notNullable();
      exact(table.string('seller_sku', 40), collation).nullable();
      table.string('asin', 10).nullable();
      table.string('gtin', 64).nullable();
      table.string('product_ref', 191).nullable();
      table.string('variant_ref', 191).nullable();
      table.text('title').nullable();
      table.string('reason', 32).notNullable();
      table.text('message').notNullable();
      table.text('candidates').nullable();
      table.bigInteger('created_at').notNullable();
      table.bigInteger('updated_at').notNullable();
      table.unique(['account_id', 'marketplace_id', 'source', 'item_key'], { indexName: `${tables.mismatches}_item` });
      table.index(['account_id', 'reason'], `${tables.mismatches}_reason`);
    });
  },
  async down(knex, tables) {
    await knex.schema.dropTableIfExists(tables.mismatches);
    await knex.schema.dropTableIfExists(tables.productMappings);
  },
};
