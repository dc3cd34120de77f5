export {
  MARKETPLACES,
  MARKETPLACE_ID_PATTERN,
  marketplaceInfo,
  type AmazonRegion,
  type MarketplaceInfo,
} from './marketplaces';
