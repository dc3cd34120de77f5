import { exactUnicode, type SellerSyncMigration } from './migration';

/** The mapping table (shop product ↔ seller SKU per marketplace) and the mismatch log. */
export const matchingMigration: SellerSyncMigration = {
  name: '003-matching',
  async up(knex, tables) {
    await knex.schema.createTable(tables.productMappings, (table) => {
      exactUnicode(knex, table);
      table.bigIncrements('id').primary();
      table.string('account_id', 64).notNullable();
      table.string('marketplace_id', 32).notNullable();
      table.string('seller_sku', 40).notNullable();
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
      table.string('item_key', 400).notNullable();
      table.string('seller_sku', 40).nullable();
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
