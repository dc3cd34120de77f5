export {
  ALL_MARKETPLACES,
  CHANGE_KINDS,
  DEFAULT_ACCOUNT_ID,
  type ChangeClaim,
  type ChangeError,
  type ChangeInput,
  type ChangeKind,
  type ChangeLogEntry,
  type ChangeStatus,
  type ClaimedChange,
} from './change';
export {
  createChangeLog,
  type ChangeFailure,
  type ChangeLogOptions,
  type ChangeLogStats,
  type ChangeLogStore,
  type ChangeScope,
  type ClaimOptions,
  type ExpandResult,
  type ListChangesOptions,
} from './change-log';
export { enqueueChange, type EnqueueChangeOptions, type EnqueueChangeResult, type RejectedChange } from './enqueue-change';
export { MAX_SKU_LENGTH, normalizeChange, skuProblem, type NormalizedChange } from './validate-change';
