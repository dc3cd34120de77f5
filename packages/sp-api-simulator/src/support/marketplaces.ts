/** The marketplaces the simulator knows: id, country, region, currency and report charset. */
export interface SimulatorMarketplace {
  readonly marketplaceId: string;
  readonly countryCode: string;
  readonly region: 'na' | 'eu' | 'fe';
  readonly currency: string;
  readonly name: string;
  /**
   * Charset of flat-file reports, as the Content-Type names it: `Cp1252` (Java's name for
   * windows-1252) for the Latin-script NA/EU stores, Poland included (sellers report Polish letters
   * arriving as "?"); `Windows-31J` (Shift_JIS with Microsoft's extensions) for Japan, whose reports
   * also have Japanese column names; UTF-8 for the others, which is a simulator choice.
   */
  readonly reportCharset: ReportCharset;
}

/** How the simulator encodes a marketplace's flat-file reports. */
export type ReportCharset = 'Cp1252' | 'UTF-8' | 'Windows-31J';

const table: readonly [string, string, 'na' | 'eu' | 'fe', string, string, ReportCharset][] = [
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
  ['A1C3SOZRARQ6R3', 'PL', 'eu', 'PLN', 'Amazon.pl', 'Cp1252'],
  ['A28R8C7NBKEWEA', 'IE', 'eu', 'EUR', 'Amazon.ie', 'Cp1252'],
  ['AMEN7PMS3EDWL', 'BE', 'eu', 'EUR', 'Amazon.com.be', 'Cp1252'],
  ['A33AVAJ2PDY3EV', 'TR', 'eu', 'TRY', 'Amazon.com.tr', 'UTF-8'],
  ['A2VIGQ35RCS4UG', 'AE', 'eu', 'AED', 'Amazon.ae', 'UTF-8'],
  ['A17E79C6D8DWNP', 'SA', 'eu', 'SAR', 'Amazon.sa', 'UTF-8'],
  ['ARBP9OOSHTCHU', 'EG', 'eu', 'EGP', 'Amazon.eg', 'UTF-8'],
  ['A21TJRUUN4KGV', 'IN', 'eu', 'INR', 'Amazon.in', 'UTF-8'],
  ['AE08WJ6YKNBMC', 'ZA', 'eu', 'ZAR', 'Amazon.co.za', 'UTF-8'],
  ['A1VC38T7YXB528', 'JP', 'fe', 'JPY', 'Amazon.co.jp', 'Windows-31J'],
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
