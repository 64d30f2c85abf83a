// Public surface of the state store.
export { StateStore, type StateStoreOptions, type TableName, type NodeMeta } from './store.js';
export { WatchSet, WATCH_LIMIT, type WaitResult, type Watch } from './watch.js';
export { prepareRegistration, deriveCheckType, stateError } from './catalog-rules.js';
