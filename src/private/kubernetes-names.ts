// Kubernetes object name formats (DNS-1123), shared by the constructs that validate names.

const LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';

/** Whether a literal is a DNS-1123 label: at most 63 lower case letters, digits and '-', alphanumeric at both ends (namespaces, Karpenter object names). */
export function isDnsLabel(name: string): boolean {
  return name.length <= 63 && new RegExp(`^${LABEL}$`).test(name);
}

/** Whether a literal is a DNS-1123 subdomain: at most 253 characters, dot-separated labels (service account names). */
export function isDnsSubdomain(name: string): boolean {
  return name.length <= 253 && new RegExp(`^${LABEL}(\\.${LABEL})*$`).test(name);
}
