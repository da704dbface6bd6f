/**
 * The DAG model: declaring DAGs, assets, schedules and data intervals, trigger rules, the task-instance
 * state machine, retry delays and run/job ids. Pure code (no I/O); DAG files import from here.
 */
export * from './types.js';
export * from './errors.js';
export {
  MAX_ASSET_URI_LENGTH,
  asset,
  assetExtraProblem,
  assetScheduleLabel,
  assetUriProblem,
  isAsset,
  normaliseAssetUri,
} from './asset.js';
export type { Asset } from './asset.js';
export { defineDag, isDag, DAG_DEFAULTS, ID_PATTERN, MAX_ID_LENGTH, TRIGGER_RULES } from './define-dag.js';
export {
  CRON_PRESETS,
  ONCE_SCHEDULE,
  TimetableError,
  cronExpressionFor,
  dagRunInfosBetween,
  formatDs,
  inferManualDataInterval,
  isOnceSchedule,
  isValidTimezone,
  nextDagRunInfo,
  parseDagDate,
  scheduledRunOnDay,
} from './timetable.js';
export { RunConfError, formatConfPath, nulCharacterPath, validateRunConf } from './run-conf.js';
export { evaluateTriggerRule } from './trigger-rules.js';
export type { TriggerDecision } from './trigger-rules.js';
export {
  InvalidTransitionError,
  TI_TRANSITIONS,
  assertTiTransition,
  canTransitionTi,
  dagRunFinalState,
  isFinishedTiState,
} from './state-machine.js';
export { MAX_RETRY_DELAY_MS, retryDelayMsFor } from './retry-delay.js';
export type { RetryJitterKey } from './retry-delay.js';
export { jobIdFor, makeRunId, parseJobId } from './run-id.js';
export type { JobIdParts } from './run-id.js';
