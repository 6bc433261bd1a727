export * from './checks';
export * as karpenterImports from './imports';
export * from './cluster';
