import { noPadBinaryCollation, type SellerSyncMigration } from './migration';

/**
 * The change log's SKUs compare exactly on MySQL/MariaDB too: 001 left `sku` in `utf8mb4_bin`,
 * which is PAD SPACE, so `"MUG"` and `"MUG "` shared one queue entry. A NO PAD collation only tells
 * more values apart, so existing rows never collide when it is applied. SQLite and PostgreSQL
 * already compare exactly: nothing to do there.
 */
export const changeLogSkuCollationMigration: SellerSyncMigration = {
  name: '005-change-log-sku-collation',
  async up(knex, tables) {
    const collation = await noPadBinaryCollation(knex);
    if (collation === null) return;
    await knex.raw(`alter table \`${tables.changes}\` modify \`sku\` varchar(40) character set utf8mb4 collate ${collation} not null`);
  },
  async down(knex, tables) {
    if ((await noPadBinaryCollation(knex)) === null) return;
    await knex.raw(`alter table \`${tables.changes}\` modify \`sku\` varchar(40) character set utf8mb4 collate utf8mb4_bin not null`);
  },
};
