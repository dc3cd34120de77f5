/** A shipment confirmation the simulator received (confirmShipment or an order fulfillment feed message). */
export interface SimulatedShipmentConfirmation {
  readonly orderId: string;
  readonly packageReferenceId: string;
  readonly carrierCode: string;
  readonly carrierName?: string;
  readonly shippingMethod?: string;
  readonly trackingNumber: string;
  readonly shipDate: string;
  readonly items: readonly { readonly orderItemId: string; readonly quantity: number }[];
  readonly source: 'confirmShipment' | 'POST_ORDER_FULFILLMENT_DATA';
  readonly feedId?: string;
  /** True when it re-sent an existing packageReferenceId, which edits that package. */
  readonly edited: boolean;
  readonly receivedAt: string;
}

/** An order acknowledgement from a POST_ORDER_ACKNOWLEDGEMENT_DATA feed. */
export interface SimulatedAcknowledgement {
  readonly orderId: string;
  readonly merchantOrderId?: string;
  readonly statusCode: 'Success' | 'Failure';
  readonly items: readonly { readonly orderItemId: string; readonly merchantOrderItemId?: string; readonly cancelReason?: string; readonly quantity?: number }[];
  readonly feedId: string;
  readonly receivedAt: string;
}

export interface OrderEvents {
  readonly shipments: SimulatedShipmentConfirmation[];
  readonly acknowledgements: SimulatedAcknowledgement[];
}
