import type { Knex } from 'knex';
import type {
  ShopAdapter,
  ShopListingData,
  ShopOrderDraft,
  ShopProduct,
  ShopShipment,
  StockMovement,
  StockReservation,
} from '@sellersync/core';
import { shopTables, type ShopOrderRow, type ShopProductRow } from './shop-database';

/** Options of {@link exampleShopAdapter}. */
export interface ExampleShopAdapterOptions {
  /** Prefix of the shop's own tables. Default none. */
  readonly prefix?: string;
  /** Category of products created from Amazon listings. Default `amazon-import`. */
  readonly importCategory?: string;
}

const ms = (value: number | string | null): number | null => (value === null ? null : Number(value));

function toProduct(row: ShopProductRow): ShopProduct {
  const starts = ms(row.sale_starts_at);
  const ends = ms(row.sale_ends_at);
  return {
    productRef: String(row.id),
    variantRef: null,
    sku: row.sku,
    title: row.title,
    gtin: row.ean,
    asin: row.asin,
    quantity: Number(row.stock),
    price: { amount: Number(row.price_cents), currency: row.currency },
    salePrice:
      row.sale_price_cents === null
        ? null
        : {
            price: { amount: Number(row.sale_price_cents), currency: row.currency },
            startsAt: starts === null ? null : new Date(starts),
            endsAt: ends === null ? null : new Date(ends),
          },
    // a shop schema from before the column was added has no marketplace_ids: every marketplace
    marketplaceIds: row.marketplace_ids ? row.marketplace_ids.split(',').filter(Boolean) : null,
    active: Boolean(row.active),
  };
}

function toListing(row: ShopProductRow): ShopListingData {
  return {
    sku: row.sku,
    productRef: String(row.id),
    variantRef: null,
    productType: null,
    title: row.title,
    description: row.description,
    brand: row.brand,
    manufacturer: row.brand,
    bulletPoints: [],
    browseNodeId: null,
    searchTerms: row.tags ? row.tags.split(',').map((tag) => tag.trim()).filter(Boolean) : [],
    images: { main: row.image_url, others: [] },
    condition: 'new_new',
    gtin: row.ean,
    languageTag: null,
  };
}

/** Inserts one row and returns its id on every engine (PostgreSQL needs `returning`). */
async function insertId(knex: Knex | Knex.Transaction, table: string, row: Record<string, unknown>): Promise<number> {
  const query = knex(table).insert(row);
  const [inserted] = (knex.client as { dialect?: string }).dialect === 'postgresql' ? await query.returning('id') : await query;
  return Number(typeof inserted === 'object' && inserted !== null ? (inserted as { id: unknown }).id : inserted);
}

/** Whether a driver error is a unique-key violation (SQLite, PostgreSQL, MySQL/MariaDB). */
function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; errno?: number; message?: string };
  return e.code === '23505' || e.errno === 1062 || e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/**
 * The example shop's own adapter: a factory over the shop's knex, as every adapter is. It never
 * opens a connection of its own, and it implements every capability of the contract on the
 * shop's tables (see shop-database.ts), on SQLite, PostgreSQL and MySQL/MariaDB.
 */
export function exampleShopAdapter(knex: Knex, options: ExampleShopAdapterOptions = {}): ShopAdapter {
  const t = shopTables(options.prefix);
  const visible = () => knex(t.products).where('hidden', false);

  const changeStock = async (trx: Knex.Transaction, productId: number, delta: number): Promise<boolean> => {
    const updated = await trx(t.products).where({ id: productId }).increment('stock', delta);
    return Number(updated) > 0;
  };

  const productId = (productRef: string): number | null => {
    const id = Number(productRef);
    return Number.isSafeInteger(id) && id > 0 ? id : null;
  };

  return {
    name: 'example-shop',
    capabilities: {
      listingData: true,
      orders: true,
      stockReservations: true,
      shipments: true,
      placeholderProduct: true,
      createProducts: true,
    },

    async getProductsBySku(skus) {
      if (skus.length === 0) return [];
      return ((await visible().whereIn('sku', [...skus])) as ShopProductRow[]).map(toProduct);
    },

    async scanCatalog({ cursor, limit }) {
      const rows = (await visible()
        .where('id', '>', cursor === null ? 0 : Number(cursor))
        .orderBy('id')
        .limit(limit)) as ShopProductRow[];
      const last = rows.at(-1);
      return { items: rows.map(toProduct), nextCursor: rows.length === limit && last ? String(last.id) : null };
    },

    async findProducts(query) {
      const ids = (query.productRefs ?? []).map(productId).filter((id): id is number => id !== null);
      const rows = (await visible().where((q) => {
        q.whereIn('sku', [...(query.skus ?? [])])
          .orWhereIn('ean', [...(query.gtins ?? [])])
          .orWhereIn('asin', [...(query.asins ?? [])])
          .orWhereIn('id', ids);
      })) as ShopProductRow[];
      return rows.map(toProduct);
    },

    async getListingData(skus) {
      if (skus.length === 0) return [];
      return ((await visible().whereIn('sku', [...skus])) as ShopProductRow[]).map(toListing);
    },

    async createOrder(draft: ShopOrderDraft) {
      const existing = (await knex(t.orders).where({ external_id: draft.externalId }).first()) as ShopOrderRow | undefined;
      if (existing) return { orderRef: String(existing.id), status: existing.status, created: false };
      try {
        return await knex.transaction(async (trx) => {
          let customerId: number | null = null;
          if (draft.customer.matchByEmail) {
            const customer = await trx(t.customers).where({ email: draft.customer.email }).first();
            if (customer) customerId = Number(customer.id);
            else {
              customerId = await insertId(trx, t.customers, {
                email: draft.customer.email,
                first_name: draft.customer.firstName,
                last_name: draft.customer.lastName,
              });
            }
          }
          const address = draft.shippingAddress;
          const orderId = await insertId(trx, t.orders, {
              external_id: draft.externalId,
              channel: `amazon:${draft.marketplaceId}`,
              status: draft.status,
              customer_id: customerId,
              customer_email: draft.customer.email,
              customer_name: `${draft.customer.firstName} ${draft.customer.lastName}`.trim(),
              tax_id: draft.customer.taxId,
              currency: draft.currency,
              total_cents: draft.total.amount,
              tax_cents: draft.taxTotal.amount,
              shipping_cents: draft.shipping.price.amount,
              carrier: draft.shipping.carrier,
              fulfilled_by: draft.fulfilledBy,
              address: address
                ? [address.name, address.line1, address.line2, `${address.postalCode ?? ''} ${address.city}`, address.countryCode]
                    .filter(Boolean)
                    .join('\n')
                : null,
              notes: draft.notes.length > 0 ? draft.notes.join('\n') : null,
              created_at: draft.purchasedAt.getTime(),
          });
          if (draft.lines.length > 0)
            await trx(t.orderLines).insert(
              draft.lines.map((line) => ({
                order_id: orderId,
                external_line_id: line.externalLineId,
                product_id: line.productRef === null ? null : productId(line.productRef),
                sku: line.sku,
                name: line.name,
                quantity: line.quantity,
                unit_price_cents: line.unitPrice.amount,
                tax_cents: line.tax.amount,
                discount_cents: line.discount.amount,
              })),
            );
          return { orderRef: String(orderId), status: draft.status, created: true };
        });
      } catch (error) {
        // another process created the same order first: return that one
        if (!isUniqueViolation(error)) throw error;
        const row = (await knex(t.orders).where({ external_id: draft.externalId }).first()) as ShopOrderRow;
        return { orderRef: String(row.id), status: row.status, created: false };
      }
    },

    async findOrderByExternalId(externalId) {
      const row = (await knex(t.orders).where({ external_id: externalId }).first()) as ShopOrderRow | undefined;
      return row ? { orderRef: String(row.id), status: row.status } : null;
    },

    async updateOrderStatus(orderRef, status) {
      await knex(t.orders).where({ id: Number(orderRef) }).update({ status });
    },

    async adjustStock(movements: readonly StockMovement[]) {
      let applied = 0;
      const unknown: string[] = [];
      for (const movement of movements) {
        const id = productId(movement.productRef);
        const done = await knex.transaction(async (trx) => {
          if (await trx(t.stockMovements).where({ movement_id: movement.movementId }).first()) return 'seen';
          if (id === null || !(await changeStock(trx, id, movement.delta))) return 'unknown';
          await trx(t.stockMovements).insert({ movement_id: movement.movementId, product_id: id, delta: movement.delta });
          return 'applied';
        }).catch((error: unknown) => {
          if (isUniqueViolation(error)) return 'seen';
          throw error;
        });
        if (done === 'applied') applied += 1;
        if (done === 'unknown') unknown.push(movement.movementId);
      }
      return { applied, unknown };
    },

    async reserveStock(reservation: StockReservation) {
      await knex
        .transaction(async (trx) => {
          if (await trx(t.stockReservations).where({ reservation_id: reservation.reservationId }).first()) return;
          await trx(t.stockReservations).insert({
            reservation_id: reservation.reservationId,
            state: 'reserved',
            lines: JSON.stringify(reservation.lines),
          });
          for (const line of reservation.lines) {
            const id = productId(line.productRef);
            if (id !== null) await changeStock(trx, id, -line.quantity);
          }
        })
        .catch((error: unknown) => {
          if (!isUniqueViolation(error)) throw error;
        });
    },

    async commitStockReservation(reservationId) {
      // stock already left the sellable quantity when it was reserved; the sale keeps it out
      await knex(t.stockReservations).where({ reservation_id: reservationId, state: 'reserved' }).update({ state: 'committed' });
    },

    async releaseStockReservation(reservationId) {
      await knex.transaction(async (trx) => {
        const released = await trx(t.stockReservations)
          .where({ reservation_id: reservationId })
          .whereIn('state', ['reserved', 'committed'])
          .update({ state: 'released' });
        if (released === 0) return;
        const row = await trx(t.stockReservations).where({ reservation_id: reservationId }).first();
        for (const line of JSON.parse(row.lines) as StockReservation['lines']) {
          const id = productId(line.productRef);
          if (id !== null) await changeStock(trx, id, line.quantity);
        }
      });
    },

    async listShipments({ orderRefs, shippedStatuses }) {
      const ids = orderRefs.map(Number).filter((id) => Number.isSafeInteger(id));
      if (ids.length === 0 || shippedStatuses.length === 0) return [];
      const orders = (await knex(t.orders).whereIn('id', ids).whereIn('status', [...shippedStatuses])) as ShopOrderRow[];
      if (orders.length === 0) return [];
      const packages = await knex(t.orderPackages)
        .whereIn('order_id', orders.map((order) => order.id))
        .orderBy('id');
      const shipments: ShopShipment[] = [];
      for (const order of orders) {
        const mine = packages.filter((p) => Number(p.order_id) === Number(order.id));
        if (mine.length === 0) continue;
        shipments.push({
          orderRef: String(order.id),
          shippedAt: new Date(ms(order.shipped_at) ?? Date.now()),
          packages: mine.map((p) => ({
            packageId: String(p.id),
            carrier: p.carrier,
            trackingNumber: p.tracking_number,
            shippingMethod: p.shipping_method,
            lines: typeof p.lines === 'string' ? (JSON.parse(p.lines) as ShopShipment['packages'][number]['lines']) : null,
          })),
        });
      }
      return shipments;
    },

    async ensurePlaceholderProduct({ key, name }) {
      const sku = `amazon-placeholder-${key}`;
      const find = () => knex(t.products).where({ sku, hidden: true }).first();
      const existing = await find();
      if (existing) return { productRef: String(existing.id) };
      const id = await insertId(knex, t.products, { sku, title: name, price_cents: 0, currency: 'EUR', stock: 0, active: false, hidden: true });
      return { productRef: String(id) };
    },

    async createProduct(draft) {
      // idempotent by SKU: a product the shop already holds is returned as it is
      const existing = (await visible().where({ sku: draft.sku }).orderBy('id').first('id')) as { id: number } | undefined;
      if (existing) return { productRef: String(existing.id), variantRef: null };
      const id = await insertId(knex, t.products, {
          sku: draft.sku,
          title: draft.title,
          ean: draft.gtin,
          asin: draft.asin,
          price_cents: draft.price.amount,
          currency: draft.price.currency,
          stock: draft.quantity,
          active: true,
          category: draft.categoryRef ?? options.importCategory ?? 'amazon-import',
      });
      return { productRef: String(id), variantRef: null };
    },
  };
}
