import { IConstruct } from 'constructs';

/**
 * The one error class of the library's constructs: a stable code for tooling, the construct path
 * for the reader, and a message that names the prop, shows the value and says how to fix it.
 */
export class HardenedEksError extends Error {
  public readonly code: string;

  constructor(code: string, scope: IConstruct | undefined, message: string) {
    super(`[${code}] ${scope ? `${scope.node.path}: ` : ''}${message}`);
    this.name = 'HardenedEksError';
    this.code = code;
  }
}
