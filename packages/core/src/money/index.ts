export { currencyDecimals, formatMoney, isCurrencyCode, moneyToNumber, parseMoney, type Money } from './money';
