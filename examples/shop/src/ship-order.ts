import type { Knex } from 'knex';
import { shopTables } from './shop-database';

/** A parcel the shop handed to a carrier. */
export interface ShippedPackageInput {
  /** The shop's carrier name (`DHL Paket`); sellersync maps it to Amazon's carrier code. */
  readonly carrier: string;
  readonly trackingNumber: string;
  readonly shippingMethod?: string | null;
  /** Order lines in this parcel by Amazon order item id; `null` or absent: the whole order. */
  readonly lines?: readonly { readonly externalLineId: string; readonly quantity: number }[] | null;
}

/** What {@link shipOrder} records. */
export interface ShipOrderInput {
  /** The shop status that means shipped (sellersync's `shipments.shippedStatuses`). Default `shipped`. */
  readonly status?: string;
  readonly packages: readonly ShippedPackageInput[];
  /** Default now. */
  readonly shippedAt?: Date;
}

/**
 * The shop's "mark as shipped" action: sets the order's status and ship time and records its
 * parcels in one transaction, so the adapter's `listShipments` never sees a shipped order with
 * only some of its parcels.
 */
export async function shipOrder(knex: Knex, orderId: number | string, shipment: ShipOrderInput, prefix = ''): Promise<void> {
  const t = shopTables(prefix);
  await knex.transaction(async (trx) => {
    const updated = await trx(t.orders)
      .where({ id: Number(orderId) })
      .update({ status: shipment.status ?? 'shipped', shipped_at: (shipment.shippedAt ?? new Date()).getTime() });
    if (Number(updated) === 0) throw new Error(`Shop order ${orderId} does not exist; nothing was shipped.`);
    if (shipment.packages.length > 0)
      await trx(t.orderPackages).insert(
        shipment.packages.map((p) => ({
          order_id: Number(orderId),
          carrier: p.carrier,
          tracking_number: p.trackingNumber,
          shipping_method: p.shippingMethod ?? null,
          lines: p.lines ? JSON.stringify(p.lines) : null,
        })),
      );
  });
}
