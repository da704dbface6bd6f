/**
 * heatflow's version, as `heatflow version`, `heatflow info` and `GET /api/v1/version` report it.
 * Kept equal to package.json's `version` (a unit test checks it).
 */
export const HEATFLOW_VERSION = '0.1.0';
