import type { Knex } from 'knex';
import type { ShopAdapter, ShopListingData, ShopProduct } from '@sellersync/core';
import type { ShopProductRow } from './shop-database';

function toProduct(row: ShopProductRow): ShopProduct {
  return {
    productRef: String(row.id),
    variantRef: null,
    sku: row.sku,
    title: row.title,
    gtin: row.ean,
    asin: null,
    quantity: row.stock,
    price: { amount: row.price_cents, currency: row.currency },
    salePrice:
      row.sale_price_cents === null ? null : { price: { amount: row.sale_price_cents, currency: row.currency }, startsAt: null, endsAt: null },
    marketplaceIds: null,
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

/**
 * The example shop's own adapter: a factory over the shop's knex, as every adapter is. It reads
 * the shop's `products` table; a real shop adds orders, stock and shipments the same way.
 */
export function exampleShopAdapter(knex: Knex): ShopAdapter {
  return {
    name: 'example-shop',
    capabilities: {
      listingData: true,
      orders: false,
      stockReservations: false,
      shipments: false,
      placeholderProduct: false,
      createProducts: false,
    },
    async getProductsBySku(skus) {
      if (skus.length === 0) return [];
      return ((await knex('products').whereIn('sku', [...skus])) as ShopProductRow[]).map(toProduct);
    },
    async scanCatalog({ cursor, limit }) {
      const rows = (await knex('products')
        .where('id', '>', cursor === null ? 0 : Number(cursor))
        .orderBy('id')
        .limit(limit)) as ShopProductRow[];
      const last = rows.at(-1);
      return { items: rows.map(toProduct), nextCursor: rows.length === limit && last ? String(last.id) : null };
    },
    async findProducts(query) {
      const rows = (await knex('products').where((q) => {
        q.whereIn('sku', [...(query.skus ?? [])])
          .orWhereIn('ean', [...(query.gtins ?? [])])
          .orWhereIn('id', (query.productRefs ?? []).map(Number).filter(Number.isInteger));
      })) as ShopProductRow[];
      return rows.map(toProduct);
    },
    async getListingData(skus) {
      if (skus.length === 0) return [];
      return ((await knex('products').whereIn('sku', [...skus])) as ShopProductRow[]).map(toListing);
    },
  };
}
