// The trust helper (./trust), the agent lookup (./agent) and the service account plumbing
// (./service-account) are not API: the constructs use them, users do not need them.
export * from './options';
export * from './pod-identity';
export * from './irsa-role';
