export * from './hardened-cluster';
export * from './system-node-group';
