import { isReason } from './scoped-acknowledgements';
import { isPlainObject } from './values';

/**
 * Acknowledgements travel with the synthesized template, as resource metadata, so every surface
 * (aspect, validation plugin, CLI over `cdk.out`) sees the same ones:
 *
 *   Metadata: { "cdk-hardened-eks": { "acknowledgements": [ { "ruleId": "...", "reason": "..." } ] } }
 */
export const ACKNOWLEDGEMENT_METADATA_KEY = 'cdk-hardened-eks';

/** The acknowledged rule ids of a resource, with their reasons (entries without a reason of at least MIN_REASON_LENGTH characters are ignored). */
export function resourceAcknowledgements(resource: unknown): Map<string, string> {
  const acks = new Map<string, string>();
  if (!isPlainObject(resource) || !isPlainObject(resource.Metadata)) {
    return acks;
  }
  const ours = resource.Metadata[ACKNOWLEDGEMENT_METADATA_KEY];
  const list = isPlainObject(ours) && Array.isArray(ours.acknowledgements) ? ours.acknowledgements : [];
  for (const entry of list) {
    if (isPlainObject(entry) && typeof entry.ruleId === 'string' && isReason(entry.reason)) {
      acks.set(entry.ruleId, entry.reason.trim());
    }
  }
  return acks;
}
