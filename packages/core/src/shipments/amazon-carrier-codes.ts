/**
 * Amazon's carrier codes: the `CarrierCode` enumeration of amzn-base.xsd (release 4.1), which
 * `confirmShipment` and `POST_ORDER_FULFILLMENT_DATA` accept. A carrier not in this list is sent
 * as `Other` with its name in `carrierName`.
 */
export const AMAZON_CARRIER_CODES = [
  'USPS',
  'UPS',
  'UPSMI',
  'FedEx',
  'DHL',
  'Fastway',
  'GLS',
  'GO!',
  'Hermes Logistik Gruppe',
  'Royal Mail',
  'Parcelforce',
  'City Link',
  'TNT',
  'Target',
  'SagawaExpress',
  'NipponExpress',
  'YamatoTransport',
  'DHL Global Mail',
  'UPS Mail Innovations',
  'FedEx SmartPost',
  'OSM',
  'OnTrac',
  'Streamlite',
  'Newgistics',
  'Canada Post',
  'Blue Package',
  'Chronopost',
  'Deutsche Post',
  'DPD',
  'La Poste',
  'Parcelnet',
  'Poste Italiane',
  'SDA',
  'Smartmail',
  'FEDEX_JP',
  'JP_EXPRESS',
  'NITTSU',
  'SAGAWA',
  'YAMATO',
  'BlueDart',
  'AFL/Fedex',
  'Aramex',
  'India Post',
  'Professional',
  'DTDC',
  'Overnite Express',
  'First Flight',
  'Delhivery',
  'Lasership',
  'Yodel',
  'Other',
  'Amazon Shipping',
  'Seur',
  'Correos',
  'MRW',
  'Endopack',
  'Chrono Express',
  'Nacex',
  'Otro',
  'Correios',
  'Toll Global Express',
  'China Post',
  'AUSSIE_POST',
  'EUB',
  'Australia Post',
  'Yun Express',
  '4PX',
  'YANWEN',
  'SF Express',
  'BRT',
  'AustraliaPost-Consignment',
  'AustraliaPost-ArticleId',
  'Sendle',
  'CouriersPlease',
] as const;

/** One of {@link AMAZON_CARRIER_CODES}. */
export type AmazonCarrierCode = (typeof AMAZON_CARRIER_CODES)[number];

const CODES: ReadonlySet<string> = new Set(AMAZON_CARRIER_CODES);

/** Whether `value` is one of Amazon's carrier codes (exactly as Amazon spells it). */
export function isAmazonCarrierCode(value: unknown): value is AmazonCarrierCode {
  return typeof value === 'string' && CODES.has(value);
}

const squash = (name: string) => name.toLowerCase().replace(/[^a-z0-9!]/g, '');

// how shops commonly spell carriers whose Amazon code differs
const ALIASES: Readonly<Record<string, AmazonCarrierCode>> = {
  hermes: 'Hermes Logistik Gruppe',
  hermesgermany: 'Hermes Logistik Gruppe',
  evri: 'Other',
  dhlexpress: 'DHL',
  dhlparcel: 'DHL',
  dhlpaket: 'DHL',
  fedexexpress: 'FedEx',
  fedexground: 'FedEx',
  royalmailtracked: 'Royal Mail',
  colissimo: 'La Poste',
  laposte: 'La Poste',
  correosexpress: 'Correos',
  brtbartolini: 'BRT',
  bartolini: 'BRT',
  posteitaliane: 'Poste Italiane',
  yamato: 'YAMATO',
  sagawa: 'SAGAWA',
  australiapost: 'Australia Post',
  amazonshipping: 'Amazon Shipping',
  upsmailinnovations: 'UPS Mail Innovations',
};

const BY_SQUASHED: ReadonlyMap<string, AmazonCarrierCode> = new Map(AMAZON_CARRIER_CODES.map((code) => [squash(code), code]));

/** The Amazon carrier of a shop carrier: a code, plus the carrier's own name when the code is `Other`. */
export interface AmazonCarrier {
  readonly carrierCode: AmazonCarrierCode;
  /** Set when `carrierCode` is `Other` (Amazon requires it then). */
  readonly carrierName: string | null;
}

/**
 * Maps a shop carrier name to Amazon's carrier code: first the host's `carrierMap` (exact shop
 * name → code), then Amazon's codes compared without case, spaces and punctuation (`dhl`, `Royal
 * mail`), then common spellings (`Hermes` → `Hermes Logistik Gruppe`). Anything else is `Other`
 * with the shop's name as `carrierName`.
 */
export function resolveAmazonCarrier(shopCarrier: string, carrierMap: Readonly<Record<string, string>> = {}): AmazonCarrier {
  const name = shopCarrier.trim();
  const mapped = carrierMap[shopCarrier] ?? carrierMap[name];
  const code = (mapped !== undefined && isAmazonCarrierCode(mapped) ? mapped : undefined) ?? BY_SQUASHED.get(squash(name)) ?? ALIASES[squash(name)];
  if (code === undefined || code === 'Other' || code === 'Otro') return { carrierCode: 'Other', carrierName: name === '' ? 'Other' : name };
  return { carrierCode: code, carrierName: null };
}
