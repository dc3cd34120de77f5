/** Product identifier types a catalog item can carry. */
export type CatalogIdentifierKind = 'EAN' | 'UPC' | 'ISBN' | 'GTIN' | 'JAN';

/** Input of `sim.seed.catalogItem` and of `startSimulator({ seed: { catalog } })`. */
export interface SeedCatalogItemInput {
  readonly asin: string;
  /** The marketplace the ASIN is sold in; absent = every marketplace. */
  readonly marketplaceId?: string;
  /** Identifiers as Amazon lists them; a value may be shared with other ASINs. */
  readonly identifiers?: Readonly<Partial<Record<CatalogIdentifierKind, string | readonly string[]>>>;
  readonly title: string;
  readonly brand?: string;
  readonly manufacturer?: string;
  /** Amazon product type. Default "PRODUCT". */
  readonly productType?: string;
}

/** A catalog ASIN as the simulator holds it. */
export interface SimulatedCatalogItem {
  readonly asin: string;
  /** Absent = available in every marketplace. */
  readonly marketplaceIds?: readonly string[];
  readonly identifiers: Readonly<Partial<Record<CatalogIdentifierKind, readonly string[]>>>;
  readonly title: string;
  readonly brand?: string;
  readonly manufacturer?: string;
  readonly productType: string;
}

export interface CatalogStore {
  add(input: SeedCatalogItemInput): SimulatedCatalogItem;
  get(asin: string, marketplaceId?: string): SimulatedCatalogItem | undefined;
  /** ASINs carrying `identifier` of `kind` (exact match), in seeding order. */
  findByIdentifier(kind: CatalogIdentifierKind, identifier: string, marketplaceId?: string): SimulatedCatalogItem[];
  all(): SimulatedCatalogItem[];
}

const ASIN_PATTERN = /^[A-Z0-9]{10}$/;

export function createCatalogStore(): CatalogStore {
  const items = new Map<string, SimulatedCatalogItem>();
  const inMarketplace = (item: SimulatedCatalogItem, marketplaceId: string | undefined) =>
    marketplaceId === undefined || item.marketplaceIds === undefined || item.marketplaceIds.includes(marketplaceId);
  return {
    add(input) {
      if (typeof input.asin !== 'string' || !ASIN_PATTERN.test(input.asin))
        throw new TypeError(`seed.catalogItem: asin must be 10 upper-case letters and digits; got ${JSON.stringify(input.asin)}.`);
      if (typeof input.title !== 'string' || input.title === '') throw new TypeError(`seed.catalogItem ${input.asin}: title is required.`);
      const existing = items.get(input.asin);
      const identifiers: Partial<Record<CatalogIdentifierKind, string[]>> = {};
      for (const [kind, values] of Object.entries({ ...existing?.identifiers }) as [CatalogIdentifierKind, readonly string[]][])
        identifiers[kind] = [...values];
      for (const [kind, value] of Object.entries(input.identifiers ?? {}) as [CatalogIdentifierKind, string | readonly string[]][]) {
        const list = identifiers[kind] ?? [];
        for (const one of typeof value === 'string' ? [value] : value) if (!list.includes(one)) list.push(one);
        identifiers[kind] = list;
      }
      let marketplaceIds: string[] | undefined;
      if (input.marketplaceId !== undefined && (existing === undefined || existing.marketplaceIds !== undefined))
        marketplaceIds = [...new Set([...(existing?.marketplaceIds ?? []), input.marketplaceId])];
      const item: SimulatedCatalogItem = {
        asin: input.asin,
        ...(marketplaceIds ? { marketplaceIds } : {}),
        identifiers,
        title: input.title,
        ...(input.brand !== undefined ? { brand: input.brand } : existing?.brand !== undefined ? { brand: existing.brand } : {}),
        ...(input.manufacturer !== undefined ? { manufacturer: input.manufacturer } : {}),
        productType: input.productType ?? existing?.productType ?? 'PRODUCT',
      };
      items.set(item.asin, item);
      return item;
    },
    get(asin, marketplaceId) {
      const item = items.get(asin);
      return item && inMarketplace(item, marketplaceId) ? item : undefined;
    },
    findByIdentifier(kind, identifier, marketplaceId) {
      const found: SimulatedCatalogItem[] = [];
      for (const item of items.values()) {
        if (!inMarketplace(item, marketplaceId)) continue;
        // A GTIN search also finds the EAN/UPC/ISBN-13 an item lists: they are GTINs too.
        const kinds: CatalogIdentifierKind[] = kind === 'GTIN' ? ['GTIN', 'EAN', 'UPC', 'ISBN'] : [kind];
        if (kinds.some((one) => item.identifiers[one]?.includes(identifier))) found.push(item);
      }
      return found;
    },
    all: () => [...items.values()],
  };
}
