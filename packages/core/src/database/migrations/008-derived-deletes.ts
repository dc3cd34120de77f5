import type { SellerSyncMigration } from './migration';

/**
 * `listing_states.derived_delete`: sellersync queued a delete of this seller SKU itself, because
 * the shop product the mapping table gives it was deleted (the fan-out of its shop SKU's delete).
 * Such a delete never fans out again: without the mark, a shop SKU and another seller SKU of one
 * removed product queued each other's delete for ever. Cleared when Amazon accepts an offer or a
 * listing of the SKU again.
 */
export const derivedDeletesMigration: SellerSyncMigration = {
  name: '008-derived-deletes',
  async up(knex, tables) {
    await knex.schema.alterTable(tables.listingStates, (table) => {
      table.boolean('derived_delete').notNullable().defaultTo(false);
    });
  },
  async down(knex, tables) {
    await knex.schema.alterTable(tables.listingStates, (table) => {
      table.dropColumn('derived_delete');
    });
  },
};
