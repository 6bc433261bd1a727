// An independent oracle for launch-template hop limits: the cfn-guard binary bundled in the dev
// dependency @cdklabs/cdk-validator-cfnguard, run with AWS Control Tower's rules
// CT.EC2.PR.2 (AWS::EC2::LaunchTemplate) and CT.AUTOSCALING.PR.3
// (AWS::AutoScaling::LaunchConfiguration). Offline, synchronous, no shell.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * cfn-guard's verdict on one resource.
 *
 * - `pass`: the rule evaluated the resource and it complied.
 * - `fail`: some non-compliant clause points into the resource.
 * - `skip`: the rule filtered out every resource of this type (e.g. `HttpEndpoint: disabled`).
 */
export type GuardVerdict = 'pass' | 'fail' | 'skip';

/** A Control Tower rule file and the resource type it reports on. */
export interface ControlTowerRule {
  /** Control id, e.g. `CT.EC2.PR.2`. */
  readonly control: string;
  /** Name of the guard rule inside the file (what cfn-guard reports). */
  readonly ruleName: string;
  /** CloudFormation resource type the rule reports on. */
  readonly resourceType: string;
  /** Absolute path of the `.guard` file. */
  readonly file: string;
}

const PACKAGE = '@cdklabs/cdk-validator-cfnguard';

/** The two Control Tower controls on IMDS hop limits, relative to the package's `rules/control-tower/cfn-guard`. */
const IMDS_CONTROLS = [
  {
    control: 'CT.EC2.PR.2',
    ruleName: 'ec2_launch_template_token_hop_limit_check',
    resourceType: 'AWS::EC2::LaunchTemplate',
    relativePath: 'ec2/ct-ec2-pr-2.guard',
  },
  {
    control: 'CT.AUTOSCALING.PR.3',
    ruleName: 'autoscaling_launch_config_hop_limit_check',
    resourceType: 'AWS::AutoScaling::LaunchConfiguration',
    relativePath: 'ec2autoscaling/ct-autoscaling-pr-3.guard',
  },
];

// cfn-guard exit codes: 0 all passed or skipped, 19 some rule failed (5 in older versions).
const GUARD_OK_EXIT_CODES = [0, 5, 19];

function packageDir(): string {
  let manifest: string;
  try {
    manifest = require.resolve(`${PACKAGE}/package.json`);
  } catch (e) {
    throw new Error(`cfn-guard oracle: cannot find ${PACKAGE} (a dev dependency); run \`npm ci\` first. (${e})`);
  }
  return path.dirname(manifest);
}

/** Same platform mapping as the package's own `CfnGuardValidator` (guard calls every Linux `ubuntu`). */
function platformDir(): string {
  const platforms: Record<string, string> = { linux: 'ubuntu', darwin: 'macos' };
  const architectures: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64' };
  const platform = platforms[os.platform()];
  const arch = architectures[os.arch()];
  if (!platform || !arch) {
    throw new Error(`cfn-guard oracle: ${PACKAGE} bundles no cfn-guard binary for ${os.platform()}/${os.arch()}`);
  }
  return path.join(platform, arch);
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

let cachedBinary: string | undefined;

/**
 * Path of the bundled cfn-guard binary for this machine, made executable if the install lost the
 * bit (the package has no install script; the mode comes from its tarball). If the installed copy
 * cannot be chmod-ed (read-only node_modules), an executable copy is made in the temp directory.
 */
export function cfnGuardBinary(): string {
  if (cachedBinary) {
    return cachedBinary;
  }
  const binary = path.join(packageDir(), 'bin', platformDir(), 'cfn-guard');
  if (!fs.existsSync(binary)) {
    throw new Error(`cfn-guard oracle: the bundled binary is missing at ${binary}`);
  }
  if (!isExecutable(binary)) {
    try {
      fs.chmodSync(binary, 0o755);
    } catch {
      // read-only install: fall through to the copy below
    }
  }
  if (isExecutable(binary)) {
    cachedBinary = binary;
    return binary;
  }
  const copy = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cfn-guard-')), 'cfn-guard');
  fs.copyFileSync(binary, copy);
  fs.chmodSync(copy, 0o755);
  if (!isExecutable(copy)) {
    throw new Error(`cfn-guard oracle: ${binary} is not executable and neither is a copy at ${copy}`);
  }
  cachedBinary = copy;
  return copy;
}

/** The Control Tower rule files for CT.EC2.PR.2 and CT.AUTOSCALING.PR.3, checked to exist. */
export function controlTowerImdsRules(): ControlTowerRule[] {
  const root = path.join(packageDir(), 'rules', 'control-tower', 'cfn-guard');
  return IMDS_CONTROLS.map(({ relativePath, ...rule }) => {
    const file = path.join(root, relativePath);
    if (!fs.existsSync(file)) {
      throw new Error(`cfn-guard oracle: the Control Tower rule file for ${rule.control} is missing at ${file}`);
    }
    return { ...rule, file };
  });
}

/** The version the bundled binary reports, e.g. `cfn-guard 3.1.1`. */
export function cfnGuardVersion(): string {
  const proc = spawnSync(cfnGuardBinary(), ['--version'], { encoding: 'utf-8' });
  if (proc.error || proc.status !== 0) {
    throw new Error(`cfn-guard oracle: \`cfn-guard --version\` failed: ${proc.error ?? proc.stderr}`);
  }
  return proc.stdout.trim();
}

interface GuardFileReport {
  /** The data file path, as passed. */
  readonly name: string;
  readonly status: 'PASS' | 'FAIL' | 'SKIP';
  readonly not_compliant: unknown[];
}

/** Logical ids of every resource that some path in a non-compliant check points into. */
function resourcesNamedIn(node: unknown, into: Set<string>): Set<string> {
  if (Array.isArray(node)) {
    node.forEach(n => resourcesNamedIn(n, into));
  } else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'path' && typeof value === 'string') {
        const match = /^\/Resources\/([^/]+)/.exec(value);
        if (match) {
          into.add(match[1]);
        }
      } else {
        resourcesNamedIn(value, into);
      }
    }
  }
  return into;
}

/** Runs cfn-guard once over some data files with the given rules and returns its structured reports. */
function runGuard(dataFiles: string[], rules: ControlTowerRule[]): GuardFileReport[] {
  const args = [
    'validate',
    ...rules.flatMap(rule => ['--rules', rule.file]),
    ...dataFiles.flatMap(file => ['--data', file]),
    '--output-format', 'json',
    '--show-summary', 'none',
    '--structured',
  ];
  const proc = spawnSync(cfnGuardBinary(), args, { encoding: 'utf-8', maxBuffer: 64 * 1024 * 1024 });
  if (proc.error) {
    throw new Error(`cfn-guard oracle: could not run ${cfnGuardBinary()}: ${proc.error.message}`);
  }
  if (proc.status === null || !GUARD_OK_EXIT_CODES.includes(proc.status)) {
    throw new Error(`cfn-guard oracle: cfn-guard exited with ${proc.status ?? proc.signal}: ${proc.stderr}`);
  }
  let reports: GuardFileReport[];
  try {
    reports = JSON.parse(proc.stdout);
  } catch {
    throw new Error(`cfn-guard oracle: cfn-guard printed no JSON: ${proc.stdout}${proc.stderr}`);
  }
  if (!Array.isArray(reports) || reports.length !== dataFiles.length) {
    throw new Error(`cfn-guard oracle: expected ${dataFiles.length} reports, got ${JSON.stringify(reports).slice(0, 200)}`);
  }
  return reports;
}

const VERDICTS: Record<GuardFileReport['status'], GuardVerdict> = { PASS: 'pass', FAIL: 'fail', SKIP: 'skip' };

/**
 * Runs the bundled cfn-guard with CT.EC2.PR.2 and CT.AUTOSCALING.PR.3 over a CloudFormation
 * template (JSON) and returns its verdict on every launch template and launch configuration, by
 * logical id.
 *
 * cfn-guard reports a status per data file and rule, not per resource, so the template is split
 * into one copy per launch template / launch configuration (everything but the other resources
 * kept: parameters, conditions, mappings), and all copies go through one cfn-guard run. Both
 * controls look at one resource at a time, so this changes no verdict; it only makes `skip`
 * (the resource was filtered out, e.g. `HttpEndpoint: disabled`) visible per resource.
 */
export function runControlTowerImdsRules(templatePath: string): Map<string, GuardVerdict> {
  if (!fs.existsSync(templatePath)) {
    throw new Error(`cfn-guard oracle: no template at ${templatePath}`);
  }
  const rules = controlTowerImdsRules();
  const template = JSON.parse(fs.readFileSync(templatePath, 'utf-8'));
  const resources: { [id: string]: { Type?: string } } = template.Resources ?? {};
  const checked = Object.keys(resources).filter(id => rules.some(r => r.resourceType === resources[id]?.Type));
  const verdicts = new Map<string, GuardVerdict>();
  if (checked.length === 0) {
    return verdicts;
  }

  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfn-guard-data-'));
  try {
    const dataFiles = checked.map((logicalId, i) => {
      const file = path.join(workDir, `${i}.json`);
      fs.writeFileSync(file, JSON.stringify({ ...template, Resources: { [logicalId]: resources[logicalId] } }, null, 2));
      return file;
    });
    const reports = runGuard(dataFiles, rules);
    checked.forEach((logicalId, i) => {
      const report = reports.find(r => path.resolve(r.name) === path.resolve(dataFiles[i]));
      if (!report || !(report.status in VERDICTS)) {
        throw new Error(`cfn-guard oracle: no usable report for ${logicalId} in ${templatePath}`);
      }
      const verdict = VERDICTS[report.status];
      const named = resourcesNamedIn(report.not_compliant, new Set());
      if (verdict === 'fail' && !named.has(logicalId)) {
        throw new Error(`cfn-guard oracle: ${logicalId} failed, but no non-compliant clause points into it`);
      }
      verdicts.set(logicalId, verdict);
    });
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
  return verdicts;
}
