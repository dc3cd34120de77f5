import type { Knex } from 'knex';
import { databaseEngine } from '../dialect';
import { exactUnicode, type SellerSyncMigration } from './migration';

/**
 * SKUs compare exactly: on MySQL/MariaDB `utf8mb4_bin` ignores trailing spaces (PAD SPACE), so the
 * SKU columns of unique keys use a NO PAD binary collation there.
 */
async function skuCollation(knex: Knex): Promise<string | null> {
  if (databaseEngine(knex) !== 'mysql') return null;
  const result = (await knex.raw('select version() as version')) as unknown as [{ version: string }[]];
  return /mariadb/i.test(String(result[0][0]?.version)) ? 'utf8mb4_nopad_bin' : 'utf8mb4_0900_bin';
}

/**
 * Listing feed submissions (one row per `JSON_LISTINGS_FEED` document), their messages (one row
 * per message and change-log entry it carries), and what Amazon last accepted per SKU and
 * marketplace.
 */
export const listingsMigration: SellerSyncMigration = {
  name: '002-listings',
  async up(knex, tables) {
    const collation = await skuCollation(knex);
    const sku = (table: Knex.CreateTableBuilder) => {
      const column = table.string('sku', 40).notNullable();
      if (collation) column.collate(collation);
    };
    await knex.schema.createTable(tables.feedSubmissions, (table) => {
      exactUnicode(knex, table);
      table.bigIncrements('id').primary();
      table.string('account_id', 64).notNullable();
      table.string('seller_id', 32).notNullable();
      table.string('region', 4).notNullable();
      table.string('marketplace_ids', 400).notNullable();
      table.string('batch_id', 40).notNullable();
      // waiting (quota), submitting, submitted, then done, fatal, cancelled, stuck or failed
      table.string('status', 16).notNullable();
      table.string('feed_id', 64).nullable();
      table.string('document_id', 191).nullable();
      table.string('result_document_id', 191).nullable();
      table.string('processing_status', 16).nullable();
      table.integer('message_count').notNullable();
      table.integer('bytes').notNullable();
      // the document, kept only while it waits for a quota slot
      if (databaseEngine(knex) === 'mysql') table.specificType('content', 'longtext').nullable();
      else table.text('content').nullable();
      // the worker id the carried change-log entries are claimed under
      table.string('claimed_by', 191).notNullable();
      table.string('owner', 191).nullable();
      table.bigInteger('lease_until').nullable();
      table.bigInteger('created_at').notNullable();
      // when createFeed was (or was about to be) called: what the quota counts
      table.bigInteger('quota_at').nullable();
      table.bigInteger('submitted_at').nullable();
      table.bigInteger('finished_at').nullable();
      table.bigInteger('next_poll_at').nullable();
      table.integer('polls').notNullable().defaultTo(0);
      table.text('summary').nullable();
      table.string('error_code', 64).nullable();
      table.text('error_message').nullable();
      table.index(['account_id', 'status'], `${tables.feedSubmissions}_open`);
      table.index(['seller_id', 'region', 'quota_at'], `${tables.feedSubmissions}_quota`);
      table.index(['account_id', 'finished_at'], `${tables.feedSubmissions}_finished`);
    });
    await knex.schema.createTable(tables.feedSubmissionMessages, (table) => {
      exactUnicode(knex, table);
      table.bigIncrements('id').primary();
      table.bigInteger('submission_id').notNullable();
      table.string('account_id', 64).notNullable();
      table.string('marketplace_id', 32).notNullable();
      table.string('batch_id', 40).notNullable();
      table.integer('message_id').notNullable();
      sku(table);
      // offer, listing, offer-only or delete
      table.string('mode', 16).notNullable();
      table.bigInteger('change_id').notNullable();
      table.integer('change_version').notNullable();
      table.string('change_kind', 16).notNullable();
      // failed attempts of the entry when claimed: the backoff of a retry grows with it
      table.integer('change_attempts').notNullable().defaultTo(0);
      // when the entry was last queued (its updatedAt at claim time)
      table.bigInteger('change_at').notNullable().defaultTo(0);
      table.string('offer_hash', 64).nullable();
      table.string('product_type', 100).nullable();
      // pending, then accepted, rejected (Amazon's ERROR) or retry (feed failed)
      table.string('status', 16).notNullable().defaultTo('pending');
      table.string('error_code', 64).nullable();
      table.text('error_message').nullable();
      table.text('warnings').nullable();
      table.boolean('settled').notNullable().defaultTo(false);
      table.index(['submission_id', 'message_id'], `${tables.feedSubmissionMessages}_message`);
      table.index(['batch_id', 'change_id'], `${tables.feedSubmissionMessages}_change`);
      table.index(['account_id', 'settled', 'sku'], `${tables.feedSubmissionMessages}_open`);
    });
    await knex.schema.createTable(tables.listingStates, (table) => {
      exactUnicode(knex, table);
      table.bigIncrements('id').primary();
      table.string('account_id', 64).notNullable();
      table.string('marketplace_id', 32).notNullable();
      sku(table);
      // hash of the offer Amazon last accepted; null before the first acceptance and after a DELETE
      table.string('offer_hash', 64).nullable();
      // hash of an offer Amazon rejected since: reconcile does not send the same offer again
      table.string('rejected_hash', 64).nullable();
      table.string('product_type', 100).nullable();
      table.boolean('deleted').notNullable().defaultTo(false);
      table.string('feed_id', 64).nullable();
      table.bigInteger('accepted_at').nullable();
      // the newest queue time of the changes that acceptance carried: older changes are stale
      table.bigInteger('changed_at').nullable();
      table.bigInteger('updated_at').notNullable();
      table.unique(['account_id', 'marketplace_id', 'sku'], { indexName: `${tables.listingStates}_key` });
    });
  },
  async down(knex, tables) {
    await knex.schema.dropTableIfExists(tables.listingStates);
    await knex.schema.dropTableIfExists(tables.feedSubmissionMessages);
    await knex.schema.dropTableIfExists(tables.feedSubmissions);
  },
};
