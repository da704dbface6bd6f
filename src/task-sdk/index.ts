/**
 * The task SDK: what task programs (`tasks/*.ts`) use to follow the task container contract.
 */
export {
  runTask,
  describeError,
  FAILURE_EXIT_CODE,
  type RunTaskOptions,
  type TaskRuntimeContext,
} from './run-task.js';
export { SkipTask } from './skip-task.js';
export { FailTask } from './fail-task.js';
export { RescheduleTask } from './reschedule-task.js';
export { readTaskEnv, TASK_ENV_VARIABLES, type TaskEnv } from './task-env.js';
export { TASK_PROGRAM_NODE_FLAGS } from './program-flags.js';
