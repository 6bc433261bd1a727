export * from './checks';
export * from './cluster';
export * from './karpenter';
export * as karpenterImports from './imports';
