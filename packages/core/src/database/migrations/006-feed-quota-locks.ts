import { exactUnicode, type SellerSyncMigration } from './migration';

/**
 * One row per seller and region: workers lock it (an `UPDATE` holds it until commit, on every
 * engine) while they count the feed quota and record a batch, so two of them never both take the
 * last free slot, nor both put one SKU in a feed.
 */
export const feedQuotaLocksMigration: SellerSyncMigration = {
  name: '006-feed-quota-locks',
  async up(knex, tables) {
    await knex.schema.createTable(tables.feedQuotaLocks, (table) => {
      exactUnicode(knex, table);
      table.string('seller_id', 32).notNullable();
      table.string('region', 4).notNullable();
      table.string('locked_by', 191).nullable();
      table.bigInteger('locked_at').notNullable().defaultTo(0);
      table.primary(['seller_id', 'region']);
    });
  },
  async down(knex, tables) {
    await knex.schema.dropTableIfExists(tables.feedQuotaLocks);
  },
};
