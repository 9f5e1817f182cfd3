/** The copy loop of `botdb move`: core's (the online move uses the same one). */
export {
  chatsOf,
  commonTables,
  copyStep,
  plan,
  SCHEMA_KEYS,
  type Step,
  type StepResult,
} from '@pkg/core/engines';
