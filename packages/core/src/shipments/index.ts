export { AMAZON_CARRIER_CODES, isAmazonCarrierCode, resolveAmazonCarrier, type AmazonCarrier, type AmazonCarrierCode } from './amazon-carrier-codes';
export { ORDER_FULFILLMENT_FEED_TYPE, buildOrderFulfillmentFeed, type OrderFulfillment } from './order-fulfillment-feed';
export {
  createShipmentConfirmer,
  type ShipmentConfirmationSummary,
  type ShipmentConfirmer,
  type ShipmentConfirmerOptions,
  type ShipmentProblem,
  type ShipmentRunError,
} from './shipment-confirmer';
export { createShipmentStore, type ShipmentPackage, type ShipmentPackageCounts, type ShipmentPackageState, type ShipmentStore } from './shipment-store';
export { resolveShipmentsOptions, type ResolvedShipmentsOptions, type ShipmentsOptions } from './shipments-options';
