/**
 * The "next run" shown for a DAG: `src/core/schedule-ahead.ts` (one function for the web page,
 * the API and `dags list --json`), re-exported here for the web's modules.
 */
export { nextRunOf, type NextRun } from '../core/schedule-ahead.js';
