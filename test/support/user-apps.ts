// Apps as users make them: the feature flags `cdk init` writes (test/fixtures/cdk-init), stacks
// with and without an explicit environment.
import * as fs from 'fs';
import * as path from 'path';
import { App, Environment } from 'aws-cdk-lib';

/** The `context` of the `cdk.json` that `cdk init app --language typescript` writes. */
export const CDK_INIT_CONTEXT: { [flag: string]: unknown } =
  JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'cdk-init', 'cdk.json'), 'utf8')).context;

/** An explicit environment, as production stacks nearly always have. */
export const EXPLICIT_ENV: Environment = { account: '111111111111', region: 'eu-west-1' };

/**
 * The context a first `cdk synth` with credentials caches in `cdk.context.json` for EXPLICIT_ENV
 * (the zones a new VPC spreads over), as a user's app has it.
 */
export const EXPLICIT_ENV_LOOKUPS = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'package-app', 'cdk.context.json'), 'utf8'));

/** One cell of the matrix: which flags, which environment. */
export interface AppShape {
  readonly flags: 'cdk-init' | 'none';
  readonly env: 'explicit' | 'agnostic';
}

export const APP_SHAPES: AppShape[] = [
  { flags: 'cdk-init', env: 'explicit' },
  { flags: 'cdk-init', env: 'agnostic' },
  { flags: 'none', env: 'explicit' },
  { flags: 'none', env: 'agnostic' },
];

/** An app of that shape and the environment its stacks take. */
export function userApp(shape: AppShape): { app: App; env: Environment | undefined } {
  const app = new App({ context: { ...(shape.flags === 'cdk-init' ? CDK_INIT_CONTEXT : {}), ...EXPLICIT_ENV_LOOKUPS } });
  return { app, env: shape.env === 'explicit' ? EXPLICIT_ENV : undefined };
}

/** `flags=cdk-init env=explicit`, for test names. */
export function shapeName(shape: AppShape): string {
  return `flags=${shape.flags} env=${shape.env}`;
}
