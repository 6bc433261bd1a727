// The JSON skim lets the engine count objects no rule reads (CRDs) without building them. It must
// accept exactly what JSON.parse accepts, and read item boundaries, apiVersion and kind as
// JSON.parse would: an object it misreads as unjudged would never be judged.
import * as fs from 'fs';
import * as path from 'path';
import { auditTemplate } from '../../src/checks/engine';
import { skimJson } from '../../src/checks/engine/json-skim';
import { isUnjudgedKind } from '../../src/checks/engine/kubernetes';
import { parseManifestProperty } from '../../src/checks/engine/manifest';
import { TemplateContext } from '../../src/checks/engine/values';
import { vendoredKarpenterCrds } from '../../src/private/karpenter-crds';

const FIXTURES = path.join(__dirname, '..', 'fixtures');

function jsonFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? jsonFiles(p) : e.name.endsWith('.json') ? [p] : [];
  });
}

/** Every string property named `Manifest` in a parsed template. */
function manifestStrings(template: unknown): string[] {
  const out: string[] = [];
  const pending: unknown[] = [template];
  while (pending.length > 0) {
    const v = pending.pop();
    if (Array.isArray(v)) {
      pending.push(...v);
    } else if (typeof v === 'object' && v !== null) {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'Manifest' && typeof x === 'string') {
          out.push(x);
        } else {
          pending.push(x);
        }
      }
    }
  }
  return out;
}

const crdTexts = vendoredKarpenterCrds().map((c) => JSON.stringify([c.manifest]));
const fixtureTexts = jsonFiles(FIXTURES).map((f) => fs.readFileSync(f, 'utf8'));
const corpus = [
  ...crdTexts,
  // Pretty-printed: whitespace between tokens, and the reading for texts with control characters.
  ...vendoredKarpenterCrds().map((c) => JSON.stringify(c.manifest, null, 2)),
  ...fixtureTexts,
  ...fixtureTexts.flatMap((t) => {
    try {
      return manifestStrings(JSON.parse(t));
    } catch {
      return [];
    }
  }),
];

function parses(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** Asserts the skim agrees with JSON.parse on `text`; returns whether it was accepted. */
function agrees(text: string): boolean {
  const skim = skimJson(text);
  const parsed = parses(text);
  expect({ text: text.slice(0, 200), skim: skim !== undefined }).toEqual({ text: text.slice(0, 200), skim: parsed.ok });
  if (!skim || !parsed.ok) {
    return false;
  }
  const items = Array.isArray(parsed.value) ? parsed.value : [parsed.value];
  expect(skim.list).toBe(Array.isArray(parsed.value));
  expect(skim.items.map((i) => JSON.parse(text.slice(i.start, i.end)))).toEqual(items);
  skim.items.forEach((item, n) => {
    const value = items[n] as Record<string, unknown>;
    const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
    expect(item.object).toBe(isObject);
    if (isObject && !item.escaped) {
      // Unescaped: exactly the string JSON.parse gives, or nothing when that is not a string.
      expect(item.kind).toBe(typeof value.kind === 'string' ? value.kind : undefined);
      expect(item.apiVersion).toBe(typeof value.apiVersion === 'string' ? value.apiVersion : undefined);
    }
  });
  return true;
}

describe('skimJson agrees with JSON.parse', () => {
  test('on every JSON fixture, every manifest string in them, and the vendored CRDs (compact and pretty)', () => {
    expect(corpus.length).toBeGreaterThan(100);
    const accepted = corpus.filter((t) => agrees(t)).length;
    expect(accepted).toBe(corpus.length);
  });

  // Every single-character edit at a stride through real texts: deletions, and insertions of the
  // characters the grammar turns on. Deterministic (no random draw).
  const EDITS = ['"', '\\', ',', ':', '{', '}', '[', ']', '0', '-', '.', 'e', ' ', '\n', '\u0001', '\u001f', 'x', '\uFEFF'];
  const crd = vendoredKarpenterCrds()[0].manifest as { apiVersion: string; kind: string; metadata: unknown; spec: { group: string; names: unknown } };
  const bases = [
    // A CRD's head, with a string holding JSON text (escaped quotes and backslashes).
    JSON.stringify([{
      apiVersion: crd.apiVersion,
      kind: crd.kind,
      metadata: crd.metadata,
      spec: { group: crd.spec.group, names: crd.spec.names, text: JSON.stringify(crd.spec).slice(0, 1500) },
    }]),
    JSON.stringify([{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', annotations: { a: 'x"y\\z\n\u2028' } }, spec: { n: [1, -2.5e3, 0, true, null, false] } }]),
    '{"apiVersion" : "v1" ,\t"kind":\r\n"Pod","x":[[],{},[{}],-0,1E+2,1e-2,"\\u00e9\\/"]}',
  ];
  test.each(bases.map((b, i) => [i, b]))('on single-character edits of text %i', (_i, base) => {
    let accepted = 0;
    let refused = 0;
    const stride = Math.max(1, Math.floor(base.length / 400));
    for (let at = 0; at <= base.length; at += stride) {
      const variants = [base.slice(0, at) + base.slice(at + 1), ...EDITS.map((c) => base.slice(0, at) + c + base.slice(at))];
      for (const v of variants) {
        if (agrees(v)) accepted++;
        else refused++;
      }
    }
    // Both outcomes are exercised.
    expect(accepted).toBeGreaterThan(10);
    expect(refused).toBeGreaterThan(10);
  });

  test.each([
    ['', false], [' ', false], ['[', false], ['[]', true], ['{}', true], ['[1,]', false], ['{"a":1,}', false], ['01', false],
    ['-', false], ['1.', false], ['.5', false], ['1e', false], ['1e+', false], ['-0.0e-0', true], ['tru', false], ['nul', false],
    ['"\\x"', false], ['"\\u12"', false], ['"\\u12G4"', false], ['"\\uABcd"', true], ['"a\tb"', false], ['"\u007f"', true],
    ['\uFEFF{}', false], ['{} {}', false], ['[] ,', false], ['{"a" 1}', false], ['{1:2}', false], ['[1 2]', false],
    ['"unterminated', false], ['"ends in backslash\\', false], ['{"a":"b\\"}', false], ['{"a":"b\\\\"}', true],
  ])('%j: accepted %s', (text, ok) => {
    expect(agrees(text)).toBe(ok);
  });

  test('keys and values written with escapes are not interpreted, duplicate keys read as the last', () => {
    const escapedKey = skimJson('{"apiVersion":"v1","k\\u0069nd":"Pod"}')!.items[0];
    expect(escapedKey).toMatchObject({ escaped: true, kind: undefined });
    const escapedValue = skimJson('{"apiVersion":"v1","kind":"P\\u006fd"}')!.items[0];
    expect(escapedValue).toMatchObject({ escaped: true, kind: undefined });
    expect(skimJson('{"kind":"CustomResourceDefinition","kind":"Pod"}')!.items[0].kind).toBe('Pod');
    expect(skimJson('{"kind":"Pod","kind":3}')!.items[0].kind).toBeUndefined();
    expect(skimJson('{"kind":{"kind":"Pod"}}')!.items[0].kind).toBeUndefined();
    // A nested key named kind is not the object's.
    expect(skimJson('{"spec":{"kind":"Pod"},"kind":"ConfigMap"}')!.items[0].kind).toBe('ConfigMap');
  });

  test('nesting beyond what it follows is given up on, not misread', () => {
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    expect(skimJson(deep)).toBeUndefined();
    expect(skimJson('['.repeat(4000) + ']'.repeat(4000))).toEqual({ list: true, items: [expect.objectContaining({ start: 1, end: 7999 })] });
    expect(agrees('['.repeat(500) + '{"kind":"Pod"}' + ']'.repeat(500))).toBe(true);
  });
});

describe('the engine counts unjudged objects without building them, and still judges the rest', () => {
  const crd = vendoredKarpenterCrds()[0].manifest;
  const hostPod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'agent' }, spec: { hostNetwork: true, containers: [{ name: 'a', image: 'a' }] } };
  const audit = (manifest: string) => auditTemplate({
    Resources: { M: { Type: 'Custom::AWSCDK-EKS-KubernetesResource', Properties: { ClusterName: 'c', Manifest: manifest } } },
  });
  const rules = (manifest: string) => audit(manifest).findings.map((f) => `${f.ruleId} ${f.kubernetesObject}`);

  test('the CRD is not built: it stands as its apiVersion and kind, the Pod is parsed whole', () => {
    // The findings and counts are the same either way; this is what makes the CRDs cheap.
    const parsed = parseManifestProperty(new TemplateContext({}), JSON.stringify([crd, hostPod]), isUnjudgedKind);
    expect(parsed.ok && parsed.manifest.objects).toEqual([{ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' }, hostPod]);
    // Without the predicate (IAM documents, patches, Helm values) nothing is outlined.
    const whole = parseManifestProperty(new TemplateContext({}), JSON.stringify([crd, hostPod]));
    expect(whole.ok && whole.manifest.objects).toEqual([crd, hostPod]);
  });

  test('a CRD next to a host-network Pod: the CRD is counted, the Pod judged', () => {
    const result = audit(JSON.stringify([crd, hostPod, crd]));
    expect(result.findings.map((f) => `${f.ruleId} ${f.kubernetesObject}`)).toEqual(['HostNetworkPod Pod/agent']);
    expect(result.checked).toEqual({ 'Custom::AWSCDK-EKS-KubernetesResource': 1, 'other Kubernetes objects': 2, 'Pod': 1 });
  });

  test.each([
    ['an escaped kind key', JSON.stringify([crd]).slice(0, -1) + ',' + JSON.stringify(hostPod).replace('"kind"', '"k\\u0069nd"') + ']'],
    ['an escaped kind value', JSON.stringify([crd, hostPod]).replace('"kind":"Pod"', '"kind":"P\\u006fd"')],
    ['a CRD kind overridden by a later key', JSON.stringify([{ ...hostPod, kind: 'CustomResourceDefinition' }]).replace(/}\]$/, ',"kind":"Pod"}]')],
    ['a List of Pods', JSON.stringify([crd, { apiVersion: 'v1', kind: 'List', items: [hostPod] }])],
    ['a PodList', JSON.stringify({ apiVersion: 'v1', kind: 'PodList', items: [hostPod] })],
    ['a Pod in a nested list', JSON.stringify([crd, [hostPod]])],
    ['pretty-printed', JSON.stringify([crd, hostPod], null, 2)],
  ])('%s: the Pod is still judged', (_name, manifest) => {
    expect(JSON.parse(manifest)).toBeDefined();
    expect(rules(manifest)).toEqual(['HostNetworkPod Pod/agent']);
  });

  test('prototype names as kinds and keys are read as any other name', () => {
    // With a CRD, the manifest is long enough to be skimmed (short ones are parsed whole).
    const manifest = JSON.stringify([
      { apiVersion: 'v1', kind: 'constructor' },
      JSON.parse('{"__proto__":{"kind":"Pod"},"apiVersion":"v1","kind":"hasOwnProperty"}'),
      hostPod,
      crd,
    ]);
    expect(skimJson(manifest)!.items.map((i) => i.kind)).toEqual(['constructor', 'hasOwnProperty', 'Pod', 'CustomResourceDefinition']);
    const parsed = parseManifestProperty(new TemplateContext({}), manifest, isUnjudgedKind);
    expect(parsed.ok && parsed.manifest.objects[3]).toEqual({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' });
    const result = audit(manifest);
    expect(result.findings.map((f) => `${f.ruleId} ${f.kubernetesObject}`)).toEqual(['HostNetworkPod Pod/agent']);
    expect(result.checked).toEqual({ 'Custom::AWSCDK-EKS-KubernetesResource': 1, 'other Kubernetes objects': 3, 'Pod': 1 });
  });

  test('a CRD text that is not JSON is reported as before', () => {
    const broken = JSON.stringify([crd]).slice(0, -2);
    const parseError = (() => {
      try {
        JSON.parse(broken);
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    })();
    const findings = audit(broken).findings;
    expect(findings.map((f) => f.ruleId)).toEqual(['Unverifiable']);
    expect(findings[0].message).toContain(parseError);
  });

  test('a short manifest is parsed whole, unjudged objects included; a long one outlines them', () => {
    const small = JSON.stringify([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: 'b' } }, hostPod]);
    const parsedSmall = parseManifestProperty(new TemplateContext({}), small, isUnjudgedKind);
    expect(parsedSmall.ok && parsedSmall.manifest.objects).toEqual(JSON.parse(small));
    const long = JSON.stringify([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: 'b'.repeat(5000) } }, hostPod]);
    const parsedLong = parseManifestProperty(new TemplateContext({}), long, isUnjudgedKind);
    expect(parsedLong.ok && parsedLong.manifest.objects).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap' }, hostPod]);
    expect(rules(small)).toEqual(['HostNetworkPod Pod/agent']);
    expect(rules(long)).toEqual(['HostNetworkPod Pod/agent']);
  });

  test('a placeholder written into a literal manifest is read as before (no outline)', () => {
    const forged = JSON.stringify([{ ...crd, kind: '__CDK_HARDENED_EKS_TOKEN_0__' }]);
    expect(audit(forged).findings.map((f) => f.ruleId)).toEqual(['Unverifiable']);
  });
});
