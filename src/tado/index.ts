/**
 * The tado° part of heatflow: API client, schemas, errors, settings and the offline simulator.
 * Import from here rather than from the individual files.
 */
export { TadoClient, type TadoClientOptions } from './tado-client.js';
export {
  loadTadoConfig,
  TADO_CONFIG_VARIABLES,
  TADO_PUBLIC_CLIENT_ID,
  type TadoConfig,
} from './tado-config.js';
export {
  TadoApiError,
  TadoAuthError,
  TadoBeforeZoneCreationError,
  TadoNetworkError,
  TadoRateLimitError,
  TadoSchemaError,
  isBeforeZoneCreation,
  type TadoAuthReason,
  type TadoSchemaIssue,
} from './errors.js';
export * from './schemas.js';
export { describeRateLimit, parseRateLimitHeaders, type RateLimitInfo } from './rate-limit.js';
export { TokenStore, TokenFileError, type StoredTokens } from './token-store.js';
export { TokenManager } from './token-manager.js';
export { OAuthClient } from './oauth-client.js';
export { deviceLogin, type DeviceLoginPrompt } from './device-login.js';
export {
  startTadoSimulator,
  type TadoSimulator,
  type TadoSimulatorOptions,
  type TadoSimulatorStats,
} from './simulator/tado-simulator.js';
export { generateDayReport, reportWindow } from './simulator/day-report-generator.js';
export { DEFAULT_SIM_HOME, type SimHome, type SimZone } from './simulator/sim-home.js';
