export * from './catalog.js';
export * from './kv.js';
export * from './session.js';
export * from './txn.js';
export * from './message-type.js';
export * from './rpc.js';
export * from './agent.js';
export * from './requests.js';
