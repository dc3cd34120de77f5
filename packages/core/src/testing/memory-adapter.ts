import type { Money } from '../money';
import { CAPABILITY_MEMBERS } from '../shop-adapter';
import type {
  ShopAdapter,
  ShopAdapterCapabilities,
  ShopListingData,
  ShopOrderDraft,
  ShopPackage,
  ShopProduct,
  ShopProductDraft,
  ShopShipment,
  StockReservation,
} from '../shop-adapter';

/** A product of the memory shop: a {@link ShopProduct} with optional listing metadata. */
export interface MemoryProductInput {
  readonly sku: string;
  readonly productRef?: string;
  readonly variantRef?: string | null;
  readonly title?: string;
  readonly gtin?: string | null;
  readonly asin?: string | null;
  readonly quantity?: number;
  readonly price?: Money;
  readonly salePrice?: ShopProduct['salePrice'];
  readonly marketplaceIds?: readonly string[] | null;
  readonly active?: boolean;
  /** Listing metadata; fields left out get neutral defaults. */
  readonly listing?: Partial<Omit<ShopListingData, 'sku' | 'productRef' | 'variantRef'>>;
}

/** A product as the memory shop holds it. */
export interface MemoryProduct extends ShopProduct {
  readonly listing: ShopListingData;
  readonly hidden: boolean;
}

/** An order as the memory shop holds it. */
export interface MemoryOrder {
  readonly orderRef: string;
  readonly externalId: string;
  readonly status: string;
  readonly draft: ShopOrderDraft;
  readonly packages: readonly ShopPackage[];
  readonly shippedAt: Date | null;
  /** Every status the order went through, oldest first. */
  readonly statusHistory: readonly string[];
}

/** Options of {@link createMemoryAdapter}. */
export interface MemoryAdapterOptions {
  readonly products?: readonly MemoryProductInput[];
  /** Turns capabilities off, to test how core copes without them. All are on by default. */
  readonly capabilities?: Partial<ShopAdapterCapabilities>;
  /** The currency of products created without a price. Default `EUR`. */
  readonly currency?: string;
}

/** The memory adapter: a {@link ShopAdapter} plus what tests use to read and change the shop. */
export interface MemoryAdapter extends ShopAdapter {
  /** Adds or replaces a product (matched by product and variant ref, else by SKU). */
  upsertProduct(product: MemoryProductInput): MemoryProduct;
  /** A product by SKU (the first one, when a SKU is held twice), or `undefined`. */
  getProduct(sku: string): MemoryProduct | undefined;
  /** A product by reference. */
  getProductByRef(productRef: string, variantRef?: string | null): MemoryProduct | undefined;
  removeProduct(sku: string): boolean;
  /** Every product, placeholders included, in insertion order. */
  listProducts(): readonly MemoryProduct[];
  listOrders(): readonly MemoryOrder[];
  getOrder(orderRef: string): MemoryOrder | undefined;
  /** Sets an order's status from the shop side (a clerk marks it shipped, say). */
  setOrderStatus(orderRef: string, status: string): void;
  /** Records the shipment of an order: its status and packages, as a clerk would. */
  shipOrder(orderRef: string, shipment: { status: string; packages: readonly ShopPackage[]; shippedAt?: Date }): void;
  /** Active stock reservations by id. */
  listReservations(): ReadonlyMap<string, { readonly state: 'reserved' | 'committed' | 'released'; readonly reservation: StockReservation }>;
}

const ALL_CAPABILITIES: ShopAdapterCapabilities = {
  listingData: true,
  orders: true,
  stockReservations: true,
  shipments: true,
  placeholderProduct: true,
  createProducts: true,
};

/**
 * An in-memory shop for tests and examples. It implements every capability of the
 * {@link ShopAdapter} contract and passes the conformance suite.
 */
export function createMemoryAdapter(options: MemoryAdapterOptions = {}): MemoryAdapter {
  const currency = options.currency ?? 'EUR';
  const products: MemoryProduct[] = [];
  const orders = new Map<string, MemoryOrder>();
  const ordersByExternalId = new Map<string, string>();
  const movements = new Set<string>();
  const reservations = new Map<string, { state: 'reserved' | 'committed' | 'released'; reservation: StockReservation }>();
  const placeholders = new Map<string, string>();
  let nextRef = 1;
  let nextOrder = 1;

  const capabilities: ShopAdapterCapabilities = { ...ALL_CAPABILITIES, ...options.capabilities };

  const build = (input: MemoryProductInput, previous?: MemoryProduct, hidden = false): MemoryProduct => {
    const productRef = input.productRef ?? previous?.productRef ?? `p${nextRef++}`;
    const variantRef = input.variantRef !== undefined ? input.variantRef : (previous?.variantRef ?? null);
    const title = input.title ?? previous?.title ?? input.sku;
    const listing = input.listing ?? {};
    const base = previous?.listing;
    return {
      productRef,
      variantRef,
      sku: input.sku,
      title,
      gtin: input.gtin !== undefined ? input.gtin : (previous?.gtin ?? null),
      asin: input.asin !== undefined ? input.asin : (previous?.asin ?? null),
      quantity: input.quantity ?? previous?.quantity ?? 0,
      price: input.price ?? previous?.price ?? { amount: 1000, currency },
      salePrice: input.salePrice !== undefined ? input.salePrice : (previous?.salePrice ?? null),
      marketplaceIds: input.marketplaceIds !== undefined ? input.marketplaceIds : (previous?.marketplaceIds ?? null),
      active: input.active ?? previous?.active ?? true,
      hidden,
      listing: {
        sku: input.sku,
        productRef,
        variantRef,
        productType: listing.productType ?? base?.productType ?? null,
        title: listing.title ?? base?.title ?? title,
        description: listing.description ?? base?.description ?? null,
        brand: listing.brand ?? base?.brand ?? null,
        manufacturer: listing.manufacturer ?? base?.manufacturer ?? null,
        bulletPoints: listing.bulletPoints ?? base?.bulletPoints ?? [],
        browseNodeId: listing.browseNodeId ?? base?.browseNodeId ?? null,
        searchTerms: listing.searchTerms ?? base?.searchTerms ?? [],
        images: listing.images ?? base?.images ?? { main: null, others: [] },
        condition: listing.condition ?? base?.condition ?? null,
        gtin: listing.gtin ?? base?.gtin ?? input.gtin ?? previous?.gtin ?? null,
        languageTag: listing.languageTag ?? base?.languageTag ?? null,
      },
    };
  };

  const find = (productRef: string, variantRef: string | null | undefined) =>
    products.findIndex((p) => p.productRef === productRef && p.variantRef === (variantRef ?? null));

  const visible = () => products.filter((p) => !p.hidden);
  const toShopProduct = (p: MemoryProduct): ShopProduct => {
    const { listing: _listing, hidden: _hidden, ...product } = p;
    return product;
  };

  const changeQuantity = (productRef: string, variantRef: string | null, delta: number): boolean => {
    const index = find(productRef, variantRef);
    if (index < 0) return false;
    const product = products[index]!;
    products[index] = { ...product, quantity: product.quantity + delta };
    return true;
  };

  const upsertProduct = (input: MemoryProductInput): MemoryProduct => {
    let index = input.productRef === undefined ? -1 : find(input.productRef, input.variantRef);
    if (index < 0 && input.productRef === undefined) index = products.findIndex((p) => p.sku === input.sku && !p.hidden);
    const product = build(input, index >= 0 ? products[index] : undefined);
    if (index >= 0) products[index] = product;
    else products.push(product);
    return product;
  };

  const adapter: MemoryAdapter = {
    name: 'memory',
    capabilities,

    async getProductsBySku(skus) {
      const wanted = new Set(skus);
      return visible()
        .filter((p) => wanted.has(p.sku))
        .map(toShopProduct);
    },

    async scanCatalog({ cursor, limit }) {
      const list = visible();
      const start = cursor === null ? 0 : Number(cursor);
      const items = list.slice(start, start + Math.max(1, limit)).map(toShopProduct);
      const end = start + items.length;
      return { items, nextCursor: end < list.length ? String(end) : null };
    },

    async findProducts(query) {
      const skus = new Set(query.skus ?? []);
      const refs = new Set(query.productRefs ?? []);
      const gtins = new Set(query.gtins ?? []);
      const asins = new Set(query.asins ?? []);
      return visible()
        .filter(
          (p) =>
            skus.has(p.sku) ||
            refs.has(p.productRef) ||
            (p.gtin !== null && gtins.has(p.gtin)) ||
            (p.asin !== null && asins.has(p.asin)),
        )
        .map(toShopProduct);
    },

    async getListingData(skus) {
      const wanted = new Set(skus);
      return visible()
        .filter((p) => wanted.has(p.sku))
        .map((p) => p.listing);
    },

    async createOrder(draft) {
      const existing = ordersByExternalId.get(draft.externalId);
      if (existing !== undefined) return { orderRef: existing, status: orders.get(existing)!.status, created: false };
      const orderRef = `o${nextOrder++}`;
      orders.set(orderRef, {
        orderRef,
        externalId: draft.externalId,
        status: draft.status,
        draft: structuredClone(draft),
        packages: [],
        shippedAt: null,
        statusHistory: [draft.status],
      });
      ordersByExternalId.set(draft.externalId, orderRef);
      return { orderRef, status: draft.status, created: true };
    },

    async findOrderByExternalId(externalId) {
      const orderRef = ordersByExternalId.get(externalId);
      return orderRef === undefined ? null : { orderRef, status: orders.get(orderRef)!.status };
    },

    async updateOrderStatus(orderRef, status) {
      adapter.setOrderStatus(orderRef, status);
    },

    async adjustStock(list) {
      let applied = 0;
      const unknown: string[] = [];
      for (const movement of list) {
        if (movements.has(movement.movementId)) continue;
        if (!changeQuantity(movement.productRef, movement.variantRef, movement.delta)) {
          unknown.push(movement.movementId);
          continue;
        }
        movements.add(movement.movementId);
        applied += 1;
      }
      return { applied, unknown };
    },

    async reserveStock(reservation) {
      if (reservations.has(reservation.reservationId)) return;
      for (const line of reservation.lines) changeQuantity(line.productRef, line.variantRef, -line.quantity);
      reservations.set(reservation.reservationId, { state: 'reserved', reservation: structuredClone(reservation) });
    },

    async commitStockReservation(reservationId) {
      const held = reservations.get(reservationId);
      if (held?.state === 'reserved') held.state = 'committed';
    },

    async releaseStockReservation(reservationId) {
      const held = reservations.get(reservationId);
      if (held === undefined || held.state === 'released') return;
      for (const line of held.reservation.lines) changeQuantity(line.productRef, line.variantRef, line.quantity);
      held.state = 'released';
    },

    async listShipments({ orderRefs, shippedStatuses }) {
      const statuses = new Set(shippedStatuses);
      const out: ShopShipment[] = [];
      for (const orderRef of orderRefs) {
        const order = orders.get(orderRef);
        if (order && statuses.has(order.status) && order.packages.length > 0)
          out.push({ orderRef, shippedAt: order.shippedAt ?? new Date(), packages: order.packages });
      }
      return out;
    },

    async ensurePlaceholderProduct({ key, name }) {
      const existing = placeholders.get(key);
      if (existing !== undefined) return { productRef: existing };
      const product = build({ sku: `placeholder-${key}`, title: name, quantity: 0, active: false }, undefined, true);
      products.push(product);
      placeholders.set(key, product.productRef);
      return { productRef: product.productRef };
    },

    async createProduct(draft: ShopProductDraft) {
      const existing = products.find((p) => p.sku === draft.sku && !p.hidden);
      if (existing) return { productRef: existing.productRef, variantRef: existing.variantRef };
      const product = upsertProduct({
        sku: draft.sku,
        title: draft.title,
        gtin: draft.gtin,
        asin: draft.asin,
        price: draft.price,
        quantity: draft.quantity,
      });
      return { productRef: product.productRef, variantRef: product.variantRef };
    },

    upsertProduct,
    getProduct: (sku) => products.find((p) => p.sku === sku && !p.hidden),
    getProductByRef: (productRef, variantRef) => {
      const index = find(productRef, variantRef);
      return index < 0 ? undefined : products[index];
    },
    removeProduct(sku) {
      const index = products.findIndex((p) => p.sku === sku && !p.hidden);
      if (index < 0) return false;
      products.splice(index, 1);
      return true;
    },
    listProducts: () => [...products],
    listOrders: () => [...orders.values()],
    getOrder: (orderRef) => orders.get(orderRef),
    setOrderStatus(orderRef, status) {
      const order = orders.get(orderRef);
      if (!order || order.status === status) return;
      orders.set(orderRef, { ...order, status, statusHistory: [...order.statusHistory, status] });
    },
    shipOrder(orderRef, shipment) {
      const order = orders.get(orderRef);
      if (!order) throw new Error(`memory shop: no order ${orderRef}`);
      orders.set(orderRef, {
        ...order,
        status: shipment.status,
        packages: [...shipment.packages],
        shippedAt: shipment.shippedAt ?? new Date(),
        statusHistory: order.status === shipment.status ? order.statusHistory : [...order.statusHistory, shipment.status],
      });
    },
    listReservations: () => reservations,
  };

  for (const product of options.products ?? []) upsertProduct(product);

  // members of capabilities switched off are removed, as a real adapter would not have them
  for (const [capability, members] of Object.entries(CAPABILITY_MEMBERS) as [keyof ShopAdapterCapabilities, readonly string[]][])
    if (!capabilities[capability]) for (const member of members) delete (adapter as unknown as Record<string, unknown>)[member];

  return adapter;
}
