import type { Knex } from 'knex';
import { enqueueChange, type ChangeKind } from '@sellersync/core';
import type { ShopProductRow } from './shop-database';

/**
 * The shop's product save, with its sellersync hook: the change is queued in the same
 * transaction as the save (transactional outbox), so a rolled-back save queues nothing.
 */
export async function saveProduct(
  knex: Knex,
  product: Partial<Omit<ShopProductRow, 'id'>> & { sku: string },
  kind: ChangeKind = 'offer',
): Promise<void> {
  await knex.transaction(async (trx) => {
    const existing = (await trx('products').where({ sku: product.sku }).first()) as ShopProductRow | undefined;
    let id: number;
    if (existing) {
      await trx('products').where({ id: existing.id }).update(product);
      id = existing.id;
    } else {
      const [inserted] = (await trx('products').insert(product)) as number[];
      id = inserted!;
    }
    await enqueueChange(trx, { sku: product.sku, kind: existing ? kind : 'listing', productRef: String(id) });
  });
}
