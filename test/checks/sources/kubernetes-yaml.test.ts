import * as fs from 'fs';
import * as path from 'path';
import { InputError } from '../../../src/checks/sources/input-error';
import { parseKubernetesManifest } from '../../../src/checks/sources/kubernetes-yaml';
import { FIXTURES } from '../../support/temp-files';

const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, 'manifests', name), 'utf8');
const ids = (objects: any[]) => objects.map((o) => `${o.kind}/${o.metadata?.name}`);

describe('parseKubernetesManifest', () => {
  test('reads every object of a multi-document file, skipping comment-only and empty documents', () => {
    const objects = parseKubernetesManifest(fixture('karpenter-and-workloads.yaml'), 'workloads.yaml');
    expect(ids(objects)).toEqual(['EC2NodeClass/hardened', 'EC2NodeClass/legacy', 'DaemonSet/node-exporter', 'Pod/debug']);
  });

  test('replaces kind: List and *List objects by their items, recursively', () => {
    const objects = parseKubernetesManifest(fixture('karpenter-and-workloads.yaml'), 'workloads.yaml');
    expect(objects.some((o) => typeof o.kind === 'string' && o.kind.endsWith('List'))).toBe(false);
    expect(objects[3]).toMatchObject({ kind: 'Pod', metadata: { name: 'debug', namespace: 'default' } });
  });

  test('reads a file with CRLF line endings exactly as with LF', () => {
    const lf = fixture('karpenter-and-workloads.yaml');
    expect(parseKubernetesManifest(lf.replace(/\n/g, '\r\n'), 'crlf.yaml')).toEqual(parseKubernetesManifest(lf, 'lf.yaml'));
  });

  test('reads YAML 1.1 booleans the way kubectl does and keeps integers apart from numeric strings', () => {
    const [pod] = parseKubernetesManifest(
      ['apiVersion: v1', 'kind: Pod', 'metadata: {name: p}', 'spec:', '  hostNetwork: yes', '  a: 1', '  b: "1"', ''].join('\n'),
      'pod.yaml',
    ) as any[];
    expect(pod.spec).toEqual({ hostNetwork: true, a: 1, b: '1' });
  });

  test('reads a JSON array of objects', () => {
    expect(ids(parseKubernetesManifest(fixture('objects.json'), 'objects.json'))).toEqual([
      'EC2NodeClass/beta',
      'NodeClass/auto-mode',
    ]);
  });

  test('reads a single JSON object and a JSON List', () => {
    const list = JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' } }],
    });
    expect(ids(parseKubernetesManifest(list, 'list.json'))).toEqual(['Pod/a']);
    expect(ids(parseKubernetesManifest('{"apiVersion":"v1","kind":"Pod","metadata":{"name":"b"}}', 'pod.json'))).toEqual([
      'Pod/b',
    ]);
  });

  test('reads JSON content from a file without an extension', () => {
    expect(ids(parseKubernetesManifest('  {"apiVersion":"v1","kind":"Pod","metadata":{"name":"c"}}', 'pod'))).toEqual(['Pod/c']);
  });

  test('reads an empty file as no objects', () => {
    expect(parseKubernetesManifest('', 'empty.yaml')).toEqual([]);
    expect(parseKubernetesManifest('# nothing\n---\n', 'comments.yaml')).toEqual([]);
  });

  test('reports malformed YAML as one line naming the file, line and column', () => {
    const yaml = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: [a\nspec: {}\n';
    expect(() => parseKubernetesManifest(yaml, 'manifests/x.yaml')).toThrow(InputError);
    expect(() => parseKubernetesManifest(yaml, 'manifests/x.yaml')).toThrow(
      /^cannot parse YAML in manifests\/x\.yaml at line \d+, column \d+: [^\n]+$/,
    );
  });

  test('reports the line of a YAML error in a later document', () => {
    const yaml = 'apiVersion: v1\nkind: Pod\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n   bad: 1\n';
    expect(() => parseKubernetesManifest(yaml, 'm.yaml')).toThrow(/at line 7, column 9: /);
  });

  test('reports malformed JSON with the line and column where it breaks', () => {
    const json = '{\n  "apiVersion": "v1",\n  "kind": Pod\n}\n';
    expect(() => parseKubernetesManifest(json, 'm.json')).toThrow("cannot parse JSON in m.json at line 3, column 11: unexpected 'P'");
  });

  test('rejects a document that is a plain string', () => {
    expect(() => parseKubernetesManifest('apiVersion: v1\nkind: Pod\n---\njust some text\n', 'm.yaml')).toThrow(
      "m.yaml: document 2 (line 4) is not a Kubernetes object but the string 'just some text'",
    );
  });

  test('rejects a List item that is not an object', () => {
    expect(() => parseKubernetesManifest('{"apiVersion":"v1","kind":"List","items":[42]}', 'l.json')).toThrow(
      'l.json: .items[0] is not a Kubernetes object but number 42',
    );
  });
});
