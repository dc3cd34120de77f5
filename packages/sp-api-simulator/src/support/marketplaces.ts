/** The marketplaces the simulator knows: id, country, region, currency and report charset. */
export interface SimulatorMarketplace {
  readonly marketplaceId: string;
  readonly countryCode: string;
  readonly region: 'na' | 'eu' | 'fe';
  readonly currency: string;
  readonly name: string;
  /** Charset of flat-file reports: windows-1252 for the Latin-script NA/EU stores, UTF-8 otherwise (a simulator choice). */
  readonly reportCharset: 'Cp1252' | 'UTF-8';
}

const table: readonly [string, string, 'na' | 'eu' | 'fe', string, string, 'Cp1252' | 'UTF-8'][] = [
  ['ATVPDKIKX0DER', 'US', 'na', 'USD', 'Amazon.com', 'Cp1252'],
  ['A2EUQ1WTGCTBG2', 'CA', 'na', 'CAD', 'Amazon.ca', 'Cp1252'],
  ['A1AM78C64UM0Y8', 'MX', 'na', 'MXN', 'Amazon.com.mx', 'Cp1252'],
  ['A2Q3Y263D00KWC', 'BR', 'na', 'BRL', 'Amazon.com.br', 'Cp1252'],
  ['A1F83G8C2ARO7P', 'GB', 'eu', 'GBP', 'Amazon.co.uk', 'Cp1252'],
  ['A1PA6795UKMFR9', 'DE', 'eu', 'EUR', 'Amazon.de', 'Cp1252'],
  ['A13V1IB3VIYZZH', 'FR', 'eu', 'EUR', 'Amazon.fr', 'Cp1252'],
  ['APJ6JRA9NG5V4', 'IT', 'eu', 'EUR', 'Amazon.it', 'Cp1252'],
  ['A1RKKUPIHCS9HS', 'ES', 'eu', 'EUR', 'Amazon.es', 'Cp1252'],
  ['A1805IZSGTT6HS', 'NL', 'eu', 'EUR', 'Amazon.nl', 'Cp1252'],
  ['A2NODRKZP88ZB9', 'SE', 'eu', 'SEK', 'Amazon.se', 'Cp1252'],
  ['A1C3SOZRARQ6R3', 'PL', 'eu', 'PLN', 'Amazon.pl', 'UTF-8'],
  ['A28R8C7NBKEWEA', 'IE', 'eu', 'EUR', 'Amazon.ie', 'Cp1252'],
  ['AMEN7PMS3EDWL', 'BE', 'eu', 'EUR', 'Amazon.com.be', 'Cp1252'],
  ['A33AVAJ2PDY3EV', 'TR', 'eu', 'TRY', 'Amazon.com.tr', 'UTF-8'],
  ['A2VIGQ35RCS4UG', 'AE', 'eu', 'AED', 'Amazon.ae', 'UTF-8'],
  ['A17E79C6D8DWNP', 'SA', 'eu', 'SAR', 'Amazon.sa', 'UTF-8'],
  ['ARBP9OOSHTCHU', 'EG', 'eu', 'EGP', 'Amazon.eg', 'UTF-8'],
  ['A21TJRUUN4KGV', 'IN', 'eu', 'INR', 'Amazon.in', 'UTF-8'],
  ['AE08WJ6YKNBMC', 'ZA', 'eu', 'ZAR', 'Amazon.co.za', 'UTF-8'],
  ['A1VC38T7YXB528', 'JP', 'fe', 'JPY', 'Amazon.co.jp', 'UTF-8'],
  ['A39IBJ37TRP1C6', 'AU', 'fe', 'AUD', 'Amazon.com.au', 'UTF-8'],
  ['A19VAU5U5O7RUS', 'SG', 'fe', 'SGD', 'Amazon.sg', 'UTF-8'],
];

const byId = new Map<string, SimulatorMarketplace>(
  table.map(([marketplaceId, countryCode, region, currency, name, reportCharset]) => [
    marketplaceId,
    { marketplaceId, countryCode, region, currency, name, reportCharset },
  ]),
);

export function findMarketplace(marketplaceId: string): SimulatorMarketplace | undefined {
  return byId.get(marketplaceId);
}

export const SIMULATOR_MARKETPLACE_IDS: readonly string[] = table.map(([id]) => id);

/** Digits after the decimal point of a currency's minor unit. */
export function currencyDigits(currency: string): number {
  return currency === 'JPY' ? 0 : 2;
}
