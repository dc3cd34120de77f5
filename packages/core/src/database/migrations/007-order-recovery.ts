import type { SellerSyncMigration } from './migration';

/**
 * Crash recovery of order import and acknowledgements:
 * - `orders.seen_updated_at`: the newest Amazon `lastUpdatedTime` an importer saw while another one
 *   held the order, so the update is applied once that claim ends instead of being lost;
 * - `orders.ack_*`: acknowledgement rows are claimed with a lease before their feed is sent (two
 *   importers never send the same acknowledgement), and failed submissions back off up to a cap;
 * - `order_import_runs.heartbeat_at`: a running import proves it is alive, so the next run can
 *   close one that crashed as `abandoned`.
 * Times are milliseconds since the epoch (UTC).
 */
export const orderRecoveryMigration: SellerSyncMigration = {
  name: '007-order-recovery',
  async up(knex, tables) {
    await knex.schema.alterTable(tables.orders, (table) => {
      table.bigInteger('seen_updated_at').nullable();
      table.string('ack_claimed_by', 191).nullable();
      table.bigInteger('ack_lease_until').nullable();
      table.integer('ack_attempts').notNullable().defaultTo(0);
      table.bigInteger('ack_next_attempt_at').nullable();
      table.index(['account_id', 'lease_until'], `${tables.orders}_lease`);
      table.index(['account_id', 'seen_updated_at'], `${tables.orders}_seen`);
    });
    await knex.schema.alterTable(tables.orderImportRuns, (table) => {
      table.bigInteger('heartbeat_at').nullable();
      table.index(['account_id', 'status'], `${tables.orderImportRuns}_status`);
    });
  },
  async down(knex, tables) {
    await knex.schema.alterTable(tables.orderImportRuns, (table) => {
      table.dropIndex(['account_id', 'status'], `${tables.orderImportRuns}_status`);
      table.dropColumn('heartbeat_at');
    });
    await knex.schema.alterTable(tables.orders, (table) => {
      table.dropIndex(['account_id', 'seen_updated_at'], `${tables.orders}_seen`);
      table.dropIndex(['account_id', 'lease_until'], `${tables.orders}_lease`);
      table.dropColumn('ack_next_attempt_at');
      table.dropColumn('ack_attempts');
      table.dropColumn('ack_lease_until');
      table.dropColumn('ack_claimed_by');
      table.dropColumn('seen_updated_at');
    });
  },
};
