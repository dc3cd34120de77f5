import type { Knex } from 'knex';

/** The example shop's own products table: what a small Node shop backend might have. */
export interface ShopProductRow {
  id: number;
  sku: string;
  title: string;
  description: string | null;
  brand: string | null;
  ean: string | null;
  asin: string | null;
  price_cents: number;
  sale_price_cents: number | null;
  /** ms since the epoch, UTC */
  sale_starts_at: number | string | null;
  sale_ends_at: number | string | null;
  currency: string;
  /** sellable stock: physical stock minus reservations */
  stock: number;
  active: number | boolean;
  /** hidden products (the Amazon placeholder) are never sold */
  hidden: number | boolean;
  image_url: string | null;
  tags: string | null;
  category: string | null;
  /** comma-separated Amazon marketplace ids the product may be sold on; null: every one */
  marketplace_ids?: string | null;
}

export interface ShopOrderRow {
  id: number;
  external_id: string;
  channel: string;
  status: string;
  customer_id: number | null;
  customer_email: string;
  customer_name: string;
  tax_id: string | null;
  currency: string;
  total_cents: number;
  tax_cents: number;
  shipping_cents: number;
  carrier: string | null;
  fulfilled_by: string;
  address: string | null;
  notes: string | null;
  created_at: number | string;
  shipped_at: number | string | null;
}

const unicode = (knex: Knex, table: Knex.CreateTableBuilder) => {
  if ((knex.client as { dialect?: string }).dialect === 'mysql') {
    table.charset('utf8mb4');
    table.collate('utf8mb4_bin');
  }
};

/** Creates the shop's tables (products, customers, orders, stock) if they do not exist. */
export async function createShopSchema(knex: Knex, prefix = ''): Promise<void> {
  const t = shopTables(prefix);
  if (!(await knex.schema.hasTable(t.products)))
    await knex.schema.createTable(t.products, (table) => {
      unicode(knex, table);
      table.increments('id').primary();
      // references are not unique in many shops; the adapter reports duplicates
      table.string('sku', 64).notNullable().index();
      table.string('title', 500).notNullable();
      table.text('description').nullable();
      table.string('brand', 100).nullable();
      table.string('ean', 20).nullable().index();
      table.string('asin', 10).nullable();
      table.integer('price_cents').notNullable();
      table.integer('sale_price_cents').nullable();
      table.bigInteger('sale_starts_at').nullable();
      table.bigInteger('sale_ends_at').nullable();
      table.string('currency', 3).notNullable().defaultTo('EUR');
      table.integer('stock').notNullable().defaultTo(0);
      table.boolean('active').notNullable().defaultTo(true);
      table.boolean('hidden').notNullable().defaultTo(false);
      table.string('image_url', 500).nullable();
      table.string('tags', 500).nullable();
      table.string('category', 100).nullable();
      table.string('marketplace_ids', 400).nullable();
    });
  if (!(await knex.schema.hasTable(t.customers)))
    await knex.schema.createTable(t.customers, (table) => {
      unicode(knex, table);
      table.increments('id').primary();
      table.string('email', 191).notNullable().unique();
      table.string('first_name', 100).notNullable();
      table.string('last_name', 100).notNullable();
    });
  if (!(await knex.schema.hasTable(t.orders)))
    await knex.schema.createTable(t.orders, (table) => {
      unicode(knex, table);
      table.increments('id').primary();
      table.string('external_id', 64).notNullable().unique();
      table.string('channel', 32).notNullable();
      table.string('status', 64).notNullable();
      table.integer('customer_id').nullable();
      table.string('customer_email', 191).notNullable();
      table.string('customer_name', 200).notNullable();
      table.string('tax_id', 64).nullable();
      table.string('currency', 3).notNullable();
      table.bigInteger('total_cents').notNullable();
      table.bigInteger('tax_cents').notNullable();
      table.bigInteger('shipping_cents').notNullable();
      table.string('carrier', 100).nullable();
      table.string('fulfilled_by', 16).notNullable();
      table.text('address').nullable();
      table.text('notes').nullable();
      table.bigInteger('created_at').notNullable();
      table.bigInteger('shipped_at').nullable();
    });
  if (!(await knex.schema.hasTable(t.orderLines)))
    await knex.schema.createTable(t.orderLines, (table) => {
      unicode(knex, table);
      table.increments('id').primary();
      table.integer('order_id').notNullable().index();
      table.string('external_line_id', 64).notNullable();
      table.integer('product_id').nullable();
      table.string('sku', 64).nullable();
      table.string('name', 500).notNullable();
      table.integer('quantity').notNullable();
      table.bigInteger('unit_price_cents').notNullable();
      table.bigInteger('tax_cents').notNullable();
      table.bigInteger('discount_cents').notNullable();
    });
  if (!(await knex.schema.hasTable(t.orderPackages)))
    await knex.schema.createTable(t.orderPackages, (table) => {
      unicode(knex, table);
      table.increments('id').primary();
      table.integer('order_id').notNullable().index();
      table.string('carrier', 100).notNullable();
      table.string('tracking_number', 100).notNullable();
      table.string('shipping_method', 100).nullable();
      // JSON [{ externalLineId, quantity }] of a partial shipment; null: the whole order
      table.text('lines').nullable();
    });
  if (!(await knex.schema.hasTable(t.stockMovements)))
    await knex.schema.createTable(t.stockMovements, (table) => {
      unicode(knex, table);
      table.string('movement_id', 191).primary();
      table.integer('product_id').notNullable();
      table.integer('delta').notNullable();
    });
  if (!(await knex.schema.hasTable(t.stockReservations)))
    await knex.schema.createTable(t.stockReservations, (table) => {
      unicode(knex, table);
      table.string('reservation_id', 191).primary();
      table.string('state', 16).notNullable();
      table.text('lines').notNullable();
    });
}

/** The shop's table names, with an optional prefix (tests run several shops in one database). */
export function shopTables(prefix = '') {
  return {
    products: `${prefix}products`,
    customers: `${prefix}customers`,
    orders: `${prefix}orders`,
    orderLines: `${prefix}order_lines`,
    orderPackages: `${prefix}order_packages`,
    stockMovements: `${prefix}stock_movements`,
    stockReservations: `${prefix}stock_reservations`,
  };
}

/** Drops the shop's tables. */
export async function dropShopSchema(knex: Knex, prefix = ''): Promise<void> {
  for (const table of Object.values(shopTables(prefix))) await knex.schema.dropTableIfExists(table);
}

export const SAMPLE_PRODUCTS: (Partial<Omit<ShopProductRow, 'id'>> & { sku: string })[] = [
  {
    sku: 'MUG-CLASSIC-RED',
    title: 'Classic mug, red, 300 ml',
    description: 'Stoneware mug, dishwasher safe.',
    brand: 'Kaffeeklatsch',
    ean: '4006381333931',
    price_cents: 1299,
    currency: 'EUR',
    stock: 25,
    image_url: 'https://shop.example/images/mug-red.jpg',
    tags: 'mug,coffee,red',
  },
  {
    sku: 'MUG-CLASSIC-BLUE',
    title: 'Classic mug, blue, 300 ml',
    description: 'Stoneware mug, dishwasher safe.',
    brand: 'Kaffeeklatsch',
    ean: '4012345678901',
    price_cents: 1299,
    sale_price_cents: 999,
    currency: 'EUR',
    stock: 8,
    image_url: 'https://shop.example/images/mug-blue.jpg',
    tags: 'mug,coffee,blue',
  },
  {
    sku: 'TEAPOT-1L',
    title: 'Teapot 1 l with strainer',
    brand: 'Kaffeeklatsch',
    price_cents: 3490,
    currency: 'EUR',
    stock: 3,
    image_url: 'https://shop.example/images/teapot.jpg',
    tags: 'tea',
  },
];
