import type { Knex } from 'knex';
import { resolveTableNames } from '../database/table-names';

export interface PartitionPeersOptions {
  readonly tablePrefix?: string;
  readonly accountId: string;
  readonly workerId: string;
  /** This worker's `amazon.marketplaceIds` (the account's marketplaces, as it knows them). */
  readonly accountMarketplaceIds: readonly string[];
  /** The marketplaces of its partition. */
  readonly partitionMarketplaceIds: readonly string[];
  /** How long a row counts after its worker last renewed it. */
  readonly ttlMs: number;
  readonly clock: () => number;
}

/** Another partitioned worker of the account that names other account marketplaces than this one. */
export interface DisagreeingPeer {
  readonly workerId: string;
  readonly marketplaceIds: readonly string[];
}

export interface PeerView {
  /** The account marketplaces named by this worker and by every other one seen within the TTL. */
  readonly marketplaceIds: readonly string[];
  readonly disagreeing: readonly DisagreeingPeer[];
}

const list = (ids: readonly string[]) => [...new Set(ids)].sort().join(',');

/**
 * The registry of an account's partitioned workers (table `partition_workers`, migration 009).
 * Each worker renews its row as it works and reads the others': while the workers' lists of the
 * account's marketplaces differ (one is being added or dropped and the workers are restarted one
 * by one), every worker treats the union as the account's marketplaces.
 */
export function createPartitionPeers(knex: Knex, options: PartitionPeersOptions) {
  const table = resolveTableNames(options.tablePrefix).partitionWorkers;
  const own = list(options.accountMarketplaceIds);
  let renewedAt = Number.NEGATIVE_INFINITY;
  return {
    /**
     * Renews this worker's row (at most every quarter of the TTL; not with `register: false`, for a
     * read-only use such as a preview) and returns what every live worker names.
     */
    async view({ register = true }: { readonly register?: boolean } = {}): Promise<PeerView> {
      const now = options.clock();
      if (register && now - renewedAt >= options.ttlMs / 4) {
        await knex(table)
          .insert({ account_id: options.accountId, worker_id: options.workerId, marketplace_ids: own, partition_ids: list(options.partitionMarketplaceIds), seen_at: now })
          .onConflict(['account_id', 'worker_id'])
          .merge(['marketplace_ids', 'partition_ids', 'seen_at']);
        renewedAt = now;
        // rows of workers long gone (a default workerId changes at every restart) are cleared
        await knex(table).where({ account_id: options.accountId }).andWhere('seen_at', '<', now - 10 * options.ttlMs).delete();
      }
      const rows = (await knex(table)
        .select('worker_id', 'marketplace_ids')
        .where({ account_id: options.accountId })
        .andWhere('seen_at', '>=', now - options.ttlMs)) as { worker_id: string; marketplace_ids: string }[];
      const marketplaceIds = new Set(options.accountMarketplaceIds);
      const disagreeing: DisagreeingPeer[] = [];
      for (const row of rows) {
        if (row.worker_id === options.workerId) continue;
        const theirs = row.marketplace_ids.split(',').filter(Boolean);
        for (const id of theirs) marketplaceIds.add(id);
        if (row.marketplace_ids !== own) disagreeing.push({ workerId: row.worker_id, marketplaceIds: theirs });
      }
      return { marketplaceIds: [...options.accountMarketplaceIds, ...[...marketplaceIds].filter((id) => !options.accountMarketplaceIds.includes(id)).sort()], disagreeing };
    },
  };
}
