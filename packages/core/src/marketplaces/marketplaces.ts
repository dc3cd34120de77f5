/** The SP-API regions; each has its own endpoint and its own quotas. */
export type AmazonRegion = 'na' | 'eu' | 'fe';

/** A marketplace sellersync knows: its id, region, default currency and language tag. */
export interface MarketplaceInfo {
  readonly id: string;
  readonly country: string;
  readonly region: AmazonRegion;
  readonly currency: string;
  readonly languageTag: string;
}

const list: readonly MarketplaceInfo[] = [
  { id: 'ATVPDKIKX0DER', country: 'US', region: 'na', currency: 'USD', languageTag: 'en_US' },
  { id: 'A2EUQ1WTGCTBG2', country: 'CA', region: 'na', currency: 'CAD', languageTag: 'en_CA' },
  { id: 'A1AM78C64UM0Y8', country: 'MX', region: 'na', currency: 'MXN', languageTag: 'es_MX' },
  { id: 'A2Q3Y263D00KWC', country: 'BR', region: 'na', currency: 'BRL', languageTag: 'pt_BR' },
  { id: 'A1F83G8C2ARO7P', country: 'GB', region: 'eu', currency: 'GBP', languageTag: 'en_GB' },
  { id: 'A1PA6795UKMFR9', country: 'DE', region: 'eu', currency: 'EUR', languageTag: 'de_DE' },
  { id: 'A13V1IB3VIYZZH', country: 'FR', region: 'eu', currency: 'EUR', languageTag: 'fr_FR' },
  { id: 'APJ6JRA9NG5V4', country: 'IT', region: 'eu', currency: 'EUR', languageTag: 'it_IT' },
  { id: 'A1RKKUPIHCS9HS', country: 'ES', region: 'eu', currency: 'EUR', languageTag: 'es_ES' },
  { id: 'A1805IZSGTT6HS', country: 'NL', region: 'eu', currency: 'EUR', languageTag: 'nl_NL' },
  { id: 'A2NODRKZP88ZB9', country: 'SE', region: 'eu', currency: 'SEK', languageTag: 'sv_SE' },
  { id: 'A1C3SOZRARQ6R3', country: 'PL', region: 'eu', currency: 'PLN', languageTag: 'pl_PL' },
  { id: 'AMEN7PMS3EDWL', country: 'BE', region: 'eu', currency: 'EUR', languageTag: 'fr_BE' },
  { id: 'A28R8C7NBKEWEA', country: 'IE', region: 'eu', currency: 'EUR', languageTag: 'en_IE' },
  { id: 'A33AVAJ2PDY3EV', country: 'TR', region: 'eu', currency: 'TRY', languageTag: 'tr_TR' },
  { id: 'A2VIGQ35RCS4UG', country: 'AE', region: 'eu', currency: 'AED', languageTag: 'en_AE' },
  { id: 'A17E79C6D8DWNP', country: 'SA', region: 'eu', currency: 'SAR', languageTag: 'ar_SA' },
  { id: 'ARBP9OOSHTCHU', country: 'EG', region: 'eu', currency: 'EGP', languageTag: 'ar_EG' },
  { id: 'A21TJRUUN4KGV', country: 'IN', region: 'eu', currency: 'INR', languageTag: 'en_IN' },
  { id: 'AE08WJ6YKNBMC', country: 'ZA', region: 'eu', currency: 'ZAR', languageTag: 'en_ZA' },
  { id: 'A1VC38T7YXB528', country: 'JP', region: 'fe', currency: 'JPY', languageTag: 'ja_JP' },
  { id: 'A39IBJ37TRP1C6', country: 'AU', region: 'fe', currency: 'AUD', languageTag: 'en_AU' },
  { id: 'A19VAU5U5O7RUS', country: 'SG', region: 'fe', currency: 'SGD', languageTag: 'en_SG' },
];

/** Amazon's marketplaces by id (the ones sellersync has currency and region facts for). */
export const MARKETPLACES: ReadonlyMap<string, MarketplaceInfo> = new Map(list.map((m) => [m.id, m]));

/** Shape of a marketplace id: Amazon's are 10–15 upper-case letters and digits starting with "A". */
export const MARKETPLACE_ID_PATTERN = /^A[0-9A-Z]{9,14}$/;

/** Facts about a marketplace id, or `undefined` when sellersync does not know it. */
export function marketplaceInfo(marketplaceId: string): MarketplaceInfo | undefined {
  return MARKETPLACES.get(marketplaceId);
}
