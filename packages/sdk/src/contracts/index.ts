export * from './budgets.js';
export * from './collections.js';
export * from './documents.js';
export * from './errors.js';
export * from './keys.js';
export * from './prices.js';
export * from './retrieval.js';
export * from './usage.js';
