import type { Knex } from 'knex';

/** The example shop's own products table: what a small Node shop backend might have. */
export interface ShopProductRow {
  id: number;
  sku: string;
  title: string;
  description: string | null;
  brand: string | null;
  ean: string | null;
  price_cents: number;
  sale_price_cents: number | null;
  currency: string;
  stock: number;
  active: number | boolean;
  image_url: string | null;
  tags: string | null;
}

export async function createShopSchema(knex: Knex): Promise<void> {
  if (await knex.schema.hasTable('products')) return;
  await knex.schema.createTable('products', (table) => {
    table.increments('id').primary();
    table.string('sku', 64).notNullable().unique();
    table.string('title', 500).notNullable();
    table.text('description').nullable();
    table.string('brand', 100).nullable();
    table.string('ean', 20).nullable();
    table.integer('price_cents').notNullable();
    table.integer('sale_price_cents').nullable();
    table.string('currency', 3).notNullable().defaultTo('EUR');
    table.integer('stock').notNullable().defaultTo(0);
    table.boolean('active').notNullable().defaultTo(true);
    table.string('image_url', 500).nullable();
    table.string('tags', 500).nullable();
  });
}

export const SAMPLE_PRODUCTS: Omit<ShopProductRow, 'id'>[] = [
  {
    sku: 'MUG-CLASSIC-RED',
    title: 'Classic mug, red, 300 ml',
    description: 'Stoneware mug, dishwasher safe.',
    brand: 'Kaffeeklatsch',
    ean: '4006381333931',
    price_cents: 1299,
    sale_price_cents: null,
    currency: 'EUR',
    stock: 25,
    active: true,
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
    active: true,
    image_url: 'https://shop.example/images/mug-blue.jpg',
    tags: 'mug,coffee,blue',
  },
  {
    sku: 'TEAPOT-1L',
    title: 'Teapot 1 l with strainer',
    description: null,
    brand: 'Kaffeeklatsch',
    ean: null,
    price_cents: 3490,
    sale_price_cents: null,
    currency: 'EUR',
    stock: 3,
    active: true,
    image_url: 'https://shop.example/images/teapot.jpg',
    tags: 'tea',
  },
];
