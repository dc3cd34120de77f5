/**
 * Shapes of the Amazon SP-API payloads sellersync reads and writes, after Amazon's published models
 * (Feeds 2021-06-30, Reports 2021-06-30, Listings Items 2021-08-01, Catalog Items 2022-04-01,
 * Orders 2026-01-01 and Orders v0 `confirmShipment`). Only the fields sellersync uses are typed;
 * Amazon may send more.
 */

/** Amazon's money: a decimal string amount and an ISO 4217 code. */
export interface AmazonMoney {
  readonly amount: string;
  readonly currencyCode: string;
}

// ---------------------------------------------------------------------------------------- feeds

export type AmazonProcessingStatus = 'IN_QUEUE' | 'IN_PROGRESS' | 'DONE' | 'CANCELLED' | 'FATAL';

/** Feeds 2021-06-30 `Feed`. */
export interface AmazonFeed {
  readonly feedId: string;
  readonly feedType: string;
  readonly marketplaceIds?: readonly string[];
  readonly createdTime: string;
  readonly processingStatus: AmazonProcessingStatus;
  readonly processingStartTime?: string;
  readonly processingEndTime?: string;
  readonly resultFeedDocumentId?: string;
}

/** `createFeedDocument` result: where to upload. */
export interface AmazonFeedDocumentUpload {
  readonly feedDocumentId: string;
  readonly url: string;
}

/** A feed or report document to download. */
export interface AmazonDocument {
  readonly url: string;
  readonly compressionAlgorithm?: 'GZIP';
}

export interface AmazonFeedDocument extends AmazonDocument {
  readonly feedDocumentId: string;
}

export interface AmazonReportDocument extends AmazonDocument {
  readonly reportDocumentId: string;
}

/** The `JSON_LISTINGS_FEED` processing report (listings-feed-processing-report-schema-v2). */
export interface ListingsFeedProcessingReport {
  readonly header: { readonly sellerId: string; readonly version: '2.0'; readonly feedId: string };
  readonly issues: readonly ListingsFeedIssue[];
  readonly summary: {
    readonly errors: number;
    readonly warnings: number;
    readonly messagesProcessed: number;
    readonly messagesAccepted: number;
    readonly messagesInvalid: number;
  };
}

export interface ListingsFeedIssue {
  readonly messageId: number;
  readonly sku?: string;
  readonly code: string;
  readonly severity: 'ERROR' | 'WARNING' | 'INFO';
  readonly message: string;
  readonly attributeName?: string;
}

// -------------------------------------------------------------------------------------- reports

/** Reports 2021-06-30 `Report`. */
export interface AmazonReport {
  readonly reportId: string;
  readonly reportType: string;
  readonly marketplaceIds?: readonly string[];
  readonly createdTime: string;
  readonly processingStatus: AmazonProcessingStatus;
  readonly processingStartTime?: string;
  readonly processingEndTime?: string;
  readonly reportDocumentId?: string;
}

// -------------------------------------------------------------------------------- listings items

/** Listings Items 2021-08-01 `ListingsItemSubmissionResponse`. */
export interface ListingsItemSubmissionResponse {
  readonly sku: string;
  readonly status: 'ACCEPTED' | 'INVALID' | 'VALID';
  readonly submissionId: string;
  readonly issues?: readonly {
    readonly code: string;
    readonly message: string;
    readonly severity: 'ERROR' | 'WARNING' | 'INFO';
    readonly attributeNames?: readonly string[];
  }[];
}

/** Listings Items 2021-08-01 `Item` (the parts sellersync reads). */
export interface ListingsItem {
  readonly sku: string;
  readonly summaries?: readonly {
    readonly marketplaceId: string;
    readonly asin?: string;
    readonly productType: string;
    readonly status: readonly string[];
    readonly itemName?: string;
  }[];
  readonly attributes?: Readonly<Record<string, unknown>>;
  readonly issues?: readonly { readonly code: string; readonly message: string; readonly severity: string }[];
  readonly fulfillmentAvailability?: readonly { readonly fulfillmentChannelCode: string; readonly quantity?: number }[];
}

/** Query of Listings Items 2021-08-01 `searchListingsItems`. */
export interface ListingsItemSearchQuery {
  readonly marketplaceIds: readonly string[];
  /** Up to 20 identifiers of `identifiersType`. */
  readonly identifiers?: readonly string[];
  readonly identifiersType?: 'ASIN' | 'EAN' | 'FNSKU' | 'GTIN' | 'ISBN' | 'JAN' | 'MINSAN' | 'SKU' | 'UPC';
  readonly includedData?: readonly string[];
  /** 1 to 20. */
  readonly pageSize?: number;
  readonly pageToken?: string;
}

/** Listings Items 2021-08-01 `ItemSearchResults`. */
export interface ListingsItemSearchResult {
  readonly numberOfResults: number;
  readonly pagination?: { readonly nextToken?: string; readonly previousToken?: string };
  readonly items: readonly ListingsItem[];
}

// -------------------------------------------------------------------------------------- catalog

export type CatalogIdentifierType = 'ASIN' | 'EAN' | 'GTIN' | 'ISBN' | 'JAN' | 'MINSAN' | 'SKU' | 'UPC';

/** Catalog Items 2022-04-01 `Item` (the parts sellersync reads). */
export interface CatalogItem {
  readonly asin: string;
  readonly identifiers?: readonly {
    readonly marketplaceId: string;
    readonly identifiers: readonly { readonly identifierType: string; readonly identifier: string }[];
  }[];
  readonly summaries?: readonly { readonly marketplaceId: string; readonly itemName?: string; readonly brand?: string }[];
  readonly productTypes?: readonly { readonly marketplaceId: string; readonly productType: string }[];
}

/** Catalog Items 2022-04-01 `ItemSearchResults`. */
export interface CatalogSearchResult {
  readonly numberOfResults: number;
  readonly pagination?: { readonly nextToken?: string; readonly previousToken?: string };
  readonly items: readonly CatalogItem[];
}

// --------------------------------------------------------------------------- orders 2026-01-01

export type AmazonFulfillmentStatus =
  | 'PENDING_AVAILABILITY'
  | 'PENDING'
  | 'UNSHIPPED'
  | 'PARTIALLY_SHIPPED'
  | 'SHIPPED'
  | 'CANCELLED'
  | 'UNFULFILLABLE';

export type AmazonOrderIncludedData =
  | 'BUYER'
  | 'RECIPIENT'
  | 'PROCEEDS'
  | 'EXPENSE'
  | 'PROMOTION'
  | 'CANCELLATION'
  | 'FULFILLMENT'
  | 'PACKAGES'
  | 'TAX'
  | 'PAYMENT'
  | 'FULFILLMENT_ORDERS';

/** Query of Orders 2026-01-01 `searchOrders`: exactly one of `createdAfter` / `lastUpdatedAfter`. */
export interface SearchOrdersQuery {
  readonly createdAfter?: string;
  readonly createdBefore?: string;
  readonly lastUpdatedAfter?: string;
  readonly lastUpdatedBefore?: string;
  readonly fulfillmentStatuses?: readonly AmazonFulfillmentStatus[];
  readonly marketplaceIds?: readonly string[];
  readonly fulfilledBy?: readonly ('MERCHANT' | 'AMAZON')[];
  /** 1 to 100. */
  readonly maxResultsPerPage?: number;
  readonly paginationToken?: string;
  readonly includedData?: readonly AmazonOrderIncludedData[];
}

export interface SearchOrdersResponse {
  readonly orders: readonly AmazonOrder[];
  readonly pagination?: { readonly nextToken?: string };
  readonly lastUpdatedBefore?: string;
  readonly createdBefore?: string;
}

export interface AmazonAddress {
  readonly name?: string;
  readonly companyName?: string;
  readonly addressLine1?: string;
  readonly addressLine2?: string;
  readonly addressLine3?: string;
  readonly city?: string;
  readonly districtOrCounty?: string;
  readonly stateOrRegion?: string;
  readonly municipality?: string;
  readonly postalCode?: string;
  readonly countryCode?: string;
  readonly phone?: string;
  readonly addressType?: string;
}

export interface AmazonProceedsBreakdown {
  /** ITEM, SHIPPING, GIFT_WRAP, COD_FEE, TAX, DISCOUNT, DELIVERY_TIP, OTHER */
  readonly type: string;
  readonly status?: string;
  readonly subtotal: AmazonMoney;
  readonly detailedBreakdowns?: readonly { readonly subtype?: string; readonly value?: AmazonMoney }[];
}

export interface AmazonOrderItem {
  readonly orderItemId: string;
  readonly quantityOrdered: number;
  readonly programs?: readonly string[];
  readonly product: {
    readonly asin?: string;
    readonly title?: string;
    readonly sellerSku?: string;
    readonly condition?: { readonly conditionType?: string; readonly conditionSubtype?: string };
    readonly price?: { readonly unitPrice?: AmazonMoney; readonly priceDesignation?: string };
  };
  readonly proceeds?: { readonly proceedsTotal?: AmazonMoney; readonly breakdowns?: readonly AmazonProceedsBreakdown[] };
  readonly promotion?: { readonly breakdowns?: readonly { readonly promotionId?: string }[] };
  readonly fulfillment?: { readonly quantityFulfilled?: number; readonly quantityUnfulfilled?: number };
}

export interface AmazonOrderPackage {
  readonly packageReferenceId: string;
  readonly createdTime?: string;
  readonly packageStatus?: { readonly status: string; readonly detailedStatus?: string };
  readonly carrier?: string;
  readonly shipTime?: string;
  readonly shippingService?: string;
  readonly trackingNumber?: string;
  readonly packageItems?: readonly { readonly orderItemId: string; readonly quantity: number }[];
}

/** Orders 2026-01-01 `Order`. */
export interface AmazonOrder {
  readonly orderId: string;
  readonly createdTime: string;
  readonly lastUpdatedTime: string;
  readonly programs?: readonly string[];
  readonly salesChannel: { readonly channelName: string; readonly marketplaceId?: string; readonly marketplaceName?: string };
  readonly buyer?: {
    readonly buyerName?: string;
    readonly buyerEmail?: string;
    readonly buyerCompanyName?: string;
    readonly buyerPurchaseOrderNumber?: string;
  };
  readonly recipient?: { readonly deliveryAddress?: AmazonAddress };
  readonly proceeds?: { readonly grandTotal?: AmazonMoney; readonly breakdowns?: readonly AmazonProceedsBreakdown[] };
  readonly payment?: { readonly paymentExecutions?: readonly { readonly paymentMethod?: string; readonly paymentAmount?: AmazonMoney }[] };
  readonly fulfillment?: {
    readonly fulfillmentStatus: AmazonFulfillmentStatus;
    /** MERCHANT or AMAZON */
    readonly fulfilledBy?: string;
    readonly fulfillmentServiceLevel?: string;
    readonly shipByWindow?: { readonly earliestDateTime?: string; readonly latestDateTime?: string };
    readonly deliverByWindow?: { readonly earliestDateTime?: string; readonly latestDateTime?: string };
  };
  readonly orderItems: readonly AmazonOrderItem[];
  readonly packages?: readonly AmazonOrderPackage[];
}

// ----------------------------------------------------------------------------- orders v0 (ship)

/** Orders v0 `ConfirmShipmentRequest`. */
export interface ConfirmShipmentRequest {
  readonly marketplaceId: string;
  readonly codCollectionMethod?: 'DirectPayment';
  readonly packageDetail: {
    /** A positive whole number as a string, stable per package. */
    readonly packageReferenceId: string;
    readonly carrierCode: string;
    /** Required when `carrierCode` is `Other`. */
    readonly carrierName?: string;
    readonly shippingMethod?: string;
    readonly trackingNumber: string;
    /** ISO 8601. */
    readonly shipDate: string;
    readonly shipFromSupplySourceId?: string;
    readonly orderItems: readonly { readonly orderItemId: string; readonly quantity: number }[];
  };
}
