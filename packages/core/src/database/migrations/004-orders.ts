import { exactUnicode, type SellerSyncMigration } from './migration';

/**
 * Imported orders (one row per account and Amazon order id: the exactly-once guard), import
 * cursors per account and marketplace, import runs (the summary `status()` shows), and the
 * shipment packages confirmed to Amazon (one row per account, order and shop package).
 * Times are milliseconds since the epoch (UTC).
 */
export const ordersMigration: SellerSyncMigration = {
  name: '004-orders',
  async up(knex, tables) {
    await knex.schema.createTable(tables.orders, (table) => {
      exactUnicode(knex, table);
      table.bigIncrements('id').primary();
      table.string('account_id', 64).notNullable();
      table.string('marketplace_id', 32).notNullable();
      table.string('amazon_order_id', 32).notNullable();
      // merchant | amazon (FBA)
      table.string('fulfilled_by', 16).notNullable();
      table.string('amazon_status', 32).notNullable();
      // Amazon's lastUpdatedTime of the state applied: older or equal updates are ignored
      table.bigInteger('amazon_updated_at').notNullable();
      // claimed (being imported) | imported | skipped | invalid | failed
      table.string('state', 16).notNullable();
      table.string('shop_order_ref', 191).nullable();
      table.string('shop_status', 64).nullable();
      // none | reserved | committed | released | taken | restored
      table.string('stock_state', 16).notNullable().defaultTo('none');
      // matched lines of merchant-fulfilled orders, JSON, to give stock back on cancellation
      table.text('stock_lines').nullable();
      // every Amazon order item with its quantity, JSON, for shipment confirmations of whole orders
      table.text('order_items').nullable();
      table.string('claimed_by', 191).nullable();
      table.bigInteger('lease_until').nullable();
      table.integer('attempts').notNullable().defaultTo(0);
      table.bigInteger('next_attempt_at').nullable();
      table.string('reason', 64).nullable();
      table.string('last_error_code', 64).nullable();
      table.text('last_error_message').nullable();
      table.text('warnings').nullable();
      // acknowledgement: null (not wanted or not yet) | submitted | acknowledged | failed
      table.string('ack_state', 16).nullable();
      table.string('ack_feed_id', 64).nullable();
      table.integer('ack_message_id').nullable();
      // shipment confirmation: null (not applicable) | open | confirmed | closed
      table.string('shipment_state', 16).nullable();
      table.bigInteger('created_at').notNullable();
      table.bigInteger('updated_at').notNullable();
      table.unique(['account_id', 'amazon_order_id'], { indexName: `${tables.orders}_order` });
      table.index(['account_id', 'state', 'next_attempt_at'], `${tables.orders}_state`);
      table.index(['account_id', 'shipment_state'], `${tables.orders}_shipment`);
      table.index(['account_id', 'ack_state'], `${tables.orders}_ack`);
    });
    await knex.schema.createTable(tables.orderCursors, (table) => {
      exactUnicode(knex, table);
      table.bigIncrements('id').primary();
      table.string('account_id', 64).notNullable();
      table.string('marketplace_id', 32).notNullable();
      // the next search starts here (ISO 8601 instant, lastUpdatedAfter)
      table.string('last_updated_after', 40).notNullable();
      // a search in progress: its window and the token of the next page, so a stopped run resumes
      table.string('window_after', 40).nullable();
      table.string('window_before', 40).nullable();
      table.text('page_token').nullable();
      table.integer('pages').notNullable().defaultTo(0);
      table.bigInteger('updated_at').notNullable();
      table.unique(['account_id', 'marketplace_id'], { indexName: `${tables.orderCursors}_key` });
    });
    await knex.schema.createTable(tables.orderImportRuns, (table) => {
      exactUnicode(knex, table);
      table.bigIncrements('id').primary();
      table.string('account_id', 64).notNullable();
      // the marketplaces of the run, comma-separated
      table.string('marketplace_ids', 400).notNullable();
      table.string('worker_id', 191).notNullable();
      // running | finished | aborted | failed
      table.string('status', 16).notNullable();
      table.bigInteger('started_at').notNullable();
      table.bigInteger('finished_at').nullable();
      table.integer('seen').notNullable().defaultTo(0);
      table.integer('imported').notNullable().defaultTo(0);
      table.integer('updated').notNullable().defaultTo(0);
      table.integer('unchanged').notNullable().defaultTo(0);
      table.integer('skipped').notNullable().defaultTo(0);
      table.integer('failed').notNullable().defaultTo(0);
      // JSON: skipped orders with reasons, errors, warnings, per-marketplace pages
      table.text('details').nullable();
      table.string('error_code', 64).nullable();
      table.text('error_message').nullable();
      table.index(['account_id', 'started_at'], `${tables.orderImportRuns}_account`);
    });
    await knex.schema.createTable(tables.shipmentPackages, (table) => {
      exactUnicode(knex, table);
      // the id is the package's packageReferenceId at Amazon: numeric and stable
      table.bigIncrements('id').primary();
      table.string('account_id', 64).notNullable();
      table.string('marketplace_id', 32).notNullable();
      table.string('amazon_order_id', 32).notNullable();
      table.string('shop_order_ref', 191).notNullable();
      table.string('package_id', 191).notNullable();
      table.string('carrier_code', 64).notNullable();
      table.string('carrier_name', 191).nullable();
      table.string('shipping_method', 191).nullable();
      table.string('tracking_number', 191).notNullable();
      table.bigInteger('ship_date').notNullable();
      // JSON [{ orderItemId, quantity }], empty for the whole order
      table.text('items').notNullable();
      // pending | sending | submitted | confirmed | rejected | failed
      table.string('state', 16).notNullable();
      table.string('mode', 16).notNullable();
      table.string('claimed_by', 191).nullable();
      table.bigInteger('lease_until').nullable();
      table.integer('attempts').notNullable().defaultTo(0);
      table.bigInteger('next_attempt_at').nullable();
      table.string('feed_id', 64).nullable();
      table.integer('feed_message_id').nullable();
      table.string('last_error_code', 64).nullable();
      table.text('last_error_message').nullable();
      table.bigInteger('confirmed_at').nullable();
      table.bigInteger('created_at').notNullable();
      table.bigInteger('updated_at').notNullable();
      table.unique(['account_id', 'amazon_order_id', 'package_id'], { indexName: `${tables.shipmentPackages}_package` });
      table.index(['account_id', 'state', 'next_attempt_at'], `${tables.shipmentPackages}_state`);
      table.index(['account_id', 'feed_id'], `${tables.shipmentPackages}_feed`);
    });
  },
  async down(knex, tables) {
    await knex.schema.dropTableIfExists(tables.shipmentPackages);
    await knex.schema.dropTableIfExists(tables.orderImportRuns);
    await knex.schema.dropTableIfExists(tables.orderCursors);
    await knex.schema.dropTableIfExists(tables.orders);
  },
};
