export * from './ami';
export * from './selector-terms';
export * from './ec2-node-class';
export * from './capacity';
export * from './node-pool';
export * from './karpenter';
