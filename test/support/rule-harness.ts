// What the per-rule tests (test/checks/rules.test.ts, test/checks/identity-rules.test.ts) share:
// a finding reduced to what the case tables pin, the engine and the CLI run on a fixture file,
// and the checker's annotations on a synthesized stack.
import * as fs from 'fs';
import * as path from 'path';
import { App, AspectPriority, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { IConstruct } from 'constructs';
import { ImdsHopLimitChecker, RuleCatalogue } from '../../src';
import { auditKubernetesObjects, auditTemplate } from '../../src/checks/engine';
import { Finding } from '../../src/checks/finding';
import { loadPath } from '../../src/checks/sources/load';
import { runCli } from '../../src/cli/main';

/** What a case table pins of a finding: the rule, the logical id, the Kubernetes object. */
export interface FindingPlace {
  readonly ruleId: string;
  readonly resource?: string;
  /** The Kubernetes object, as a case table and `--format json` name it. */
  readonly object?: string;
  /** The Kubernetes object, as a `Finding` names it. */
  readonly kubernetesObject?: string;
}

/** A finding reduced to `Rule @ resource[ / Kind/name]`. */
export function findingKey(f: FindingPlace): string {
  const object = f.kubernetesObject ?? f.object;
  return `${f.ruleId} @ ${f.resource ?? '-'}${object ? ` / ${object}` : ''}`;
}

/** The multiset of keys, sorted, so that `toEqual` compares multisets. */
export function findingKeys(findings: readonly FindingPlace[]): string[] {
  return findings.map(findingKey).sort();
}

export function severityOf(ruleId: string): string {
  return RuleCatalogue.get(ruleId).defaultSeverity;
}

/** The annotation level a rule's default severity gives. */
export function annotationLevel(ruleId: string): 'error' | 'warning' {
  return severityOf(ruleId) === 'error' ? 'error' : 'warning';
}

/** `no finding`, or `Rule on resource / object, ...`, for test names. */
export function describeExpected(expected: readonly FindingPlace[]): string {
  return expected.length === 0
    ? 'no finding'
    : expected.map((e) => `${e.ruleId} on ${[e.resource, e.object].filter(Boolean).join(' / ')}`).join(', ');
}

/** The CLI's exit code for these findings with the default `--fail-on error`. */
export function expectedExitCode(expected: readonly FindingPlace[]): number {
  return expected.some((e) => severityOf(e.ruleId) === 'error') ? 1 : 0;
}

/** The engine on a fixture file, as the project's loader reads it. */
export function engineFindings(file: string): Finding[] {
  return loadPath(file).flatMap((input) =>
    input.kind === 'template'
      ? auditTemplate(input.template, { file: input.file, stack: input.stack }).findings
      : auditKubernetesObjects(input.objects, { file: input.file }).findings,
  );
}

/** The fields of a `--format json` finding the tests read (the CLI contract). */
export interface JsonFinding extends FindingPlace {
  readonly severity: string;
  readonly file?: string;
}

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The CLI, in-process, with its output captured. */
export function runCliCapturing(argv: string[]): CliRun {
  let stdout = '';
  let stderr = '';
  const code = runCli(argv, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } });
  return { code, stdout, stderr };
}

/** An app with the checker registered as documented, and one stack. */
export function appWithChecker(stackName: string): { app: App; stack: Stack } {
  const app = new App();
  const stack = new Stack(app, stackName);
  Aspects.of(app).add(new ImdsHopLimitChecker(), { priority: AspectPriority.READONLY });
  return { app, stack };
}

/** One checker annotation, reduced: rule, level, construct path and the Kubernetes object it names. */
export interface SeenAnnotation {
  readonly ruleId: string;
  readonly level: 'error' | 'warning';
  readonly path: string;
  readonly object?: string;
}

const ANNOTATION = /^\[(\w+)\] (?:([A-Za-z0-9<>]+\/[^\s:]+): )?/;

/** The checker's error and warning annotations on a stack (synthesizes it once). */
export function checkerAnnotations(stack: Stack): SeenAnnotation[] {
  const annotations = Annotations.fromStack(stack);
  const seen: SeenAnnotation[] = [];
  const collect = (level: 'error' | 'warning', messages: Array<{ id: string; entry: { data?: unknown } }>) => {
    for (const m of messages) {
      const match = ANNOTATION.exec(String(m.entry.data));
      if (match && RuleCatalogue.has(match[1])) {
        seen.push({ ruleId: match[1], level, path: m.id, ...(match[2] ? { object: match[2] } : {}) });
      }
    }
  };
  collect('error', annotations.findError('*', Match.anyValue()));
  collect('warning', annotations.findWarning('*', Match.anyValue()));
  return seen;
}

/** Annotations as `level Rule @ /path[ / Kind/name]`, sorted. */
export function annotationKeys(list: readonly SeenAnnotation[]): string[] {
  return list.map((a) => `${a.level} ${a.ruleId} @ ${a.path}${a.object ? ` / ${a.object}` : ''}`).sort();
}

/** The checker's annotations on a stack, as `level Rule @ /path[ / Kind/name]`, sorted (synthesizes once). */
export function stackAnnotations(stack: Stack): string[] {
  return annotationKeys(checkerAnnotations(stack));
}

/** A construct's path as annotations name it. */
export function resourcePath(construct: IConstruct): string {
  return `/${construct.node.path}`;
}

/** Every `.json` / `.yaml` / `.yml` file below a fixture folder, relative to it. */
export function fixtureFiles(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(json|ya?ml)$/.test(entry.name)) found.push(path.relative(root, full));
    }
  };
  walk(root);
  return found.sort();
}
