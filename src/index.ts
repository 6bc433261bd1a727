export * from './addons';
export * from './checks';
export * from './cluster';
export * from './guardrails';
export * from './karpenter';
export * from './identity';
