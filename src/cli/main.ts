#!/usr/bin/env node
import * as fs from 'fs';
import { parseArgs } from 'util';
import * as YAML from 'yaml';
import { CheckerOptions, FailOn, validateCheckerOptions } from '../checks/options';
import { reportFails } from '../checks/report/audit-report';
import { formatJson } from '../checks/report/json';
import { packageInfo } from '../checks/report/package-info';
import { formatSarif } from '../checks/report/sarif';
import { formatText } from '../checks/report/text';
import { RuleCatalogue, RuleCategory } from '../checks/rules';
import { Severity } from '../checks/severity';
import { auditPaths } from '../checks/sources/audit-paths';
import { errorMessage, isInputError, oneLine } from '../checks/sources/input-error';
import { AdmissionAction } from '../guardrails/admission-action';
import { imdsAdmissionObjects } from '../private/admission-objects';
import { imdsServiceControlPolicy } from '../private/scp';

/** Where the CLI writes: `process.stdout` / `process.stderr`, or a test's buffers. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/** Exit codes of the CLI (part of the checker contract). */
export const EXIT_PASS = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;

const NAME = 'cdk-hardened-eks';
const FORMATS = ['text', 'json', 'sarif'] as const;
type Format = (typeof FORMATS)[number];
const FAIL_ON: readonly FailOn[] = ['error', 'warning', 'never'];

/** Thrown for bad usage; the message is the one line printed on stderr. */
class UsageError extends Error {}

/**
 * Runs `cdk-hardened-eks` with the arguments after the program name and returns the exit code:
 * 0 when nothing at or above `--fail-on` was found, 1 when something was, 2 for bad usage or
 * input that cannot be read (one line on stderr, no stack trace).
 */
export function runCli(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): number {
  try {
    const { values, positionals } = parse(argv);
    if (values.help) {
      io.stdout.write(usage());
      return EXIT_PASS;
    }
    if (values.version) {
      io.stdout.write(`${packageInfo().version}\n`);
      return EXIT_PASS;
    }
    const [command, ...paths] = positionals;
    if (command === undefined) {
      throw new UsageError('missing command: expected `audit <path>...` or `guardrails`');
    }
    if (command === 'guardrails') {
      if (paths.length > 0) {
        throw new UsageError(`guardrails takes no paths (got '${paths[0]}')`);
      }
      io.stdout.write(guardrails(values));
      return EXIT_PASS;
    }
    if (command !== 'audit') {
      throw new UsageError(`unknown command '${command}': expected \`audit <path>...\` or \`guardrails\``);
    }
    if (paths.length === 0) {
      throw new UsageError('audit needs at least one path: a cloud assembly directory, a template or a manifest');
    }
    const format = choice<Format>('--format', values.format, FORMATS, 'text');
    const failOn = choice<FailOn>('--fail-on', values['fail-on'], FAIL_ON, 'error');

    const options = checkerOptions(values.severity ?? []);
    const report = auditPaths(paths, options);
    const output =
      format === 'json'
        ? formatJson(report, failOn)
        : format === 'sarif'
          ? formatSarif(report, { failOn, readSource: (file) => fs.readFileSync(file, 'utf8') })
          : formatText(report, { failOn });
    io.stdout.write(`${output}\n`);
    return reportFails(report, failOn) ? EXIT_FINDINGS : EXIT_PASS;
  } catch (e) {
    io.stderr.write(`${NAME}: ${describe(e)}\n`);
    return EXIT_USAGE;
  }
}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        'format': { type: 'string', short: 'f' },
        'fail-on': { type: 'string' },
        'severity': { type: 'string', multiple: true },
        'action': { type: 'string' },
        'host-network-namespace': { type: 'string', multiple: true },
        'scp': { type: 'boolean' },
        'help': { type: 'boolean', short: 'h' },
        'version': { type: 'boolean' },
      },
    });
  } catch (e) {
    // util.parseArgs explains unknown options and missing values; its first sentence says it all.
    const message = oneLine(errorMessage(e)).split(/\.\s/)[0];
    throw new UsageError(message.charAt(0).toLowerCase() + message.slice(1));
  }
}

/**
 * `guardrails`: the admission policies and bindings a `HardenedCluster` applies, as YAML documents
 * or a JSON list, for clusters not built with this library; with `--scp`, the service control
 * policy with the same instance-metadata denies, as JSON.
 */
function guardrails(values: { 'format'?: string; 'action'?: string; 'host-network-namespace'?: string[]; 'scp'?: boolean }): string {
  if (values.scp) {
    if (values.format !== undefined && values.format !== 'json') {
      throw new UsageError(`--scp prints the policy as JSON; --format is '${values.format}'`);
    }
    return `${JSON.stringify(imdsServiceControlPolicy(), undefined, 2)}\n`;
  }
  const format = choice<'yaml' | 'json'>('--format', values.format, ['yaml', 'json'], 'yaml');
  const action = choice<'deny' | 'warn'>('--action', values.action, ['deny', 'warn'], 'deny');
  const namespaces = values['host-network-namespace'] ?? ['kube-system'];
  const objects = imdsAdmissionObjects(action === 'deny' ? AdmissionAction.DENY : AdmissionAction.WARN_AND_AUDIT, namespaces);
  return format === 'json'
    ? `${JSON.stringify(objects, undefined, 2)}\n`
    : objects.map((o) => YAML.stringify(o, { lineWidth: 0 })).join('---\n');
}

/** `--severity KEY=SEVERITY` (repeatable) as the checker's `severityOverrides`, validated like the API's. */
function checkerOptions(pairs: string[]): CheckerOptions {
  const severityOverrides: { [key: string]: Severity } = {};
  for (const pair of pairs) {
    const eq = pair.lastIndexOf('=');
    if (eq <= 0) {
      throw new UsageError(`--severity takes KEY=SEVERITY (e.g. Unverifiable:imds=error), not '${pair}'`);
    }
    severityOverrides[pair.slice(0, eq)] = pair.slice(eq + 1) as Severity;
  }
  const options: CheckerOptions = { severityOverrides };
  try {
    validateCheckerOptions(options, '--severity');
  } catch (e) {
    throw new UsageError(errorMessage(e));
  }
  return options;
}

function choice<T extends string>(option: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) {
    return fallback;
  }
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`${option} must be one of ${allowed.join(', ')}, not '${value}'`);
  }
  return value as T;
}

function describe(e: unknown): string {
  if (e instanceof UsageError) {
    return `${e.message} (see ${NAME} --help)`;
  }
  if (isInputError(e)) {
    return oneLine(e.message);
  }
  const message = oneLine(errorMessage(e));
  return `internal error: ${message} (please report this at ${packageInfo().homepage}/issues)`;
}

function usage(): string {
  const catalogue = RuleCatalogue.all();
  const width = Math.max(31, ...catalogue.map((r) => r.id.length + 1));
  const rules = RuleCategory.all()
    .map((category) => [category, catalogue.filter((r) => r.category === category)] as const)
    .filter(([, inCategory]) => inCategory.length > 0)
    .map(([category, inCategory]) => `${category}:\n${inCategory.map((r) => `  ${r.id.padEnd(width)} ${r.defaultSeverity}`).join('\n')}`)
    .join('\n');
  return `Usage: ${NAME} audit <path>... [--format text|json|sarif] [--fail-on error|warning|never]
       [--severity <key>=<level>]...
       ${NAME} guardrails [--format yaml|json] [--action deny|warn] [--host-network-namespace <ns>]...
       ${NAME} guardrails --scp

Audits EC2 instance metadata (IMDS) settings: finds every node path where a pod could reach the
node role's credentials (hop limit above 1, IMDSv1 allowed, defaults that are not pinned), and the
IAM identities around them: IRSA and Pod Identity trusts, node roles, workload role wildcards.

A path is one of:
  a cloud assembly directory   e.g. cdk.out (nested stages and nested stacks included)
  a CloudFormation template    JSON, or YAML with short-form tags such as !Ref and !If
  a Kubernetes manifest        multi-document YAML, JSON, kind: List

Options:
  -f, --format <format>      text (default), json or sarif (SARIF 2.1.0, for code scanning)
  --fail-on <severity>       error (default), warning or never: exit 1 when an unacknowledged
                             finding is at or above it
  --severity <key>=<level>   report a rule's findings at error or warning (repeatable);
                             Unverifiable:imds=error fails on unknown IMDS values only,
                             Unverifiable:<rule>=error on the values one rule needs
  -h, --help                 show this help
  --version                  print the version

guardrails prints the ValidatingAdmissionPolicies a HardenedCluster applies (EC2NodeClass hop limit
and tokens; host-network pods outside the allowed namespaces, kube-system by default), for a GitOps
repository; --action warn makes the bindings Warn + Audit; --scp prints instead a service control
policy that denies RunInstances and ModifyInstanceMetadataOptions with a hop limit above 1 or IMDSv1.

Exit codes: 0 nothing at or above --fail-on, 1 something is, 2 bad usage or unreadable input.

Rules by category (default severity):
${rules}
`;
}

if (require.main === module) {
  process.exitCode = runCli(process.argv.slice(2));
}
