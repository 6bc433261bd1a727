import { Finding } from '../finding';

/**
 * A finding as one sentence, `Kind/name: message.` plus the acknowledgement's reason when there
 * is one: what the aspect's annotations and the validation plugin's violations say.
 */
export function findingSentence(f: Finding): string {
  const subject = f.kubernetesObject ? `${f.kubernetesObject}: ` : '';
  const ack = f.acknowledged ? ` Acknowledged: ${f.acknowledgedReason}` : '';
  return `${subject}${f.message}.${ack}`;
}
