export * from './load-balancer-controller';
