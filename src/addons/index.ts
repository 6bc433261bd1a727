export * from './addon-options';
export * from './cert-manager';
export * from './cloudwatch-observability';
export * from './ebs-csi-driver';
export * from './efs-csi-driver';
export * from './external-dns';
export * from './load-balancer-controller';
export * from './managed-addon-options';
