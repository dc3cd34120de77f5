import { exactUnicode, type SellerSyncMigration } from './migration';

/**
 * One row per partitioned worker of an account (`createSellerSync({ partition })`): the account
 * marketplaces it names in `amazon.marketplaceIds` and its partition, renewed as it works. Workers
 * read each other's rows so that one whose list is behind (a marketplace being added, workers
 * restarted one by one) still expands `*` changes to the new marketplace, and never takes a
 * marketplace another worker names for one the account dropped.
 */
export const partitionWorkersMigration: SellerSyncMigration = {
  name: '009-partition-workers',
  async up(knex, tables) {
    await knex.schema.createTable(tables.partitionWorkers, (table) => {
      exactUnicode(knex, table);
      table.string('account_id', 64).notNullable();
      table.string('worker_id', 191).notNullable();
      table.string('marketplace_ids', 400).notNullable();
      table.string('partition_ids', 400).notNullable();
      table.bigInteger('seen_at').notNullable();
      table.primary(['account_id', 'worker_id']);
    });
  },
  async down(knex, tables) {
    await knex.schema.dropTableIfExists(tables.partitionWorkers);
  },
};
