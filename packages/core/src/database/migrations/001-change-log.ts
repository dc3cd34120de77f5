import { exactUnicode, type SellerSyncMigration } from './migration';

export const changeLogMigration: SellerSyncMigration = {
  name: '001-change-log',
  async up(knex, tables) {
    await knex.schema.createTable(tables.changes, (table) => {
      exactUnicode(knex, table);
      table.bigIncrements('id').primary();
      table.string('account_id', 64).notNullable();
      table.string('marketplace_id', 32).notNullable();
      table.string('sku', 40).notNullable();
      table.string('kind', 16).notNullable();
      table.string('product_ref', 191).nullable();
      table.integer('version').notNullable().defaultTo(1);
      table.string('status', 16).notNullable().defaultTo('pending');
      table.integer('attempts').notNullable().defaultTo(0);
      table.bigInteger('next_attempt_at').nullable();
      table.string('claimed_by', 191).nullable();
      table.integer('claimed_version').nullable();
      table.bigInteger('lease_until').nullable();
      table.string('last_error_code', 64).nullable();
      table.text('last_error_message').nullable();
      table.bigInteger('last_error_at').nullable();
      table.bigInteger('created_at').notNullable();
      table.bigInteger('updated_at').notNullable();
      table.unique(['account_id', 'marketplace_id', 'sku', 'kind'], { indexName: `${tables.changes}_key` });
      table.index(['account_id', 'next_attempt_at'], `${tables.changes}_due`);
    });
  },
  async down(knex, tables) {
    await knex.schema.dropTableIfExists(tables.changes);
  },
};
