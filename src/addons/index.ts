export * from './cert-manager';
export * from './ebs-csi-driver';
export * from './external-dns';
export * from './load-balancer-controller';
