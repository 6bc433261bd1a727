// What a template the engine reads is not what CloudFormation deploys: macros (`Transform`,
// `Fn::Transform`, `AWS::Include`) rewrite it at deploy time. `Fn::ForEach` (AWS::LanguageExtensions)
// is expanded here where its collection is known.
import { Issue, IssueCollector } from './issues';
import { hasOwn, isPlainObject, own, show } from './values';

const LANGUAGE_EXTENSIONS = 'AWS::LanguageExtensions';
const FOR_EACH = /^Fn::ForEach::/;

/** The expanded template and the issues about what the engine cannot see. */
export interface PreparedTemplate {
  readonly template: unknown;
  /** Issues about the whole template (macros), not tied to one resource. */
  readonly templateIssues: Issue[];
  /** Issues about one resource (an `Fn::Transform` inside it), by logical id. */
  readonly resourceIssues: Map<string, Issue[]>;
}

/**
 * Expands `Fn::ForEach` resources whose collection is a literal list, and says what the engine
 * cannot see: a `Transform` other than AWS::LanguageExtensions, an `Fn::Transform` (AWS::Include or a
 * macro) anywhere, a `Fn::ForEach` over a collection only known at deploy time. Linear in the
 * template's size times the loops' lengths.
 */
export function prepareTemplate(template: unknown): PreparedTemplate {
  const templateIssues: Issue[] = [];
  const resourceIssues = new Map<string, Issue[]>();
  if (!isPlainObject(template)) {
    return { template, templateIssues, resourceIssues };
  }
  const transforms = own(template, 'Transform');
  const names = (Array.isArray(transforms) ? transforms : transforms === undefined ? [] : [transforms])
    .map((t) => (typeof t === 'string' ? t : isPlainObject(t) && typeof t.Name === 'string' ? t.Name : show(t)));
  const whole = new IssueCollector();
  for (const name of names.filter((n) => n !== LANGUAGE_EXTENSIONS)) {
    whole.unknown(undefined, 'Transform', 'the template',
      `is rewritten at deploy time by the macro ${name}: resources it adds or changes cannot be checked here`);
  }
  for (const section of ['Parameters', 'Mappings', 'Conditions', 'Outputs']) {
    if (containsTransform(own(template, section))) {
      whole.unknown(undefined, section, `the ${section} section`,
        'holds an Fn::Transform (AWS::Include or a macro): its content is only known at deploy time');
    }
  }
  if (hasOwn(template, 'Fn::Transform')) {
    whole.unknown(undefined, 'Fn::Transform', 'the template', 'is rewritten at deploy time by an Fn::Transform (AWS::Include or a macro)');
  }
  if (!isPlainObject(own(template, 'Resources')) && containsTransform(own(template, 'Resources'))) {
    whole.unknown(undefined, 'Resources', 'the Resources section', 'is only known at deploy time');
  }
  templateIssues.push(...whole.issues());

  const resources = own(template, 'Resources');
  if (!isPlainObject(resources)) {
    return { template, templateIssues, resourceIssues };
  }
  // Without loops the Resources section is used as it is (no copy).
  const loops = Object.keys(resources).some((key) => FOR_EACH.test(key));
  const expanded: Record<string, unknown> = loops ? Object.create(null) : resources;
  for (const [key, value] of loops ? Object.entries(resources) : []) {
    if (FOR_EACH.test(key)) {
      const loop = expandForEach(key, value, new Map());
      templateIssues.push(...loop.issues);
      for (const [id, resource] of loop.resources) {
        expanded[id] = resource;
      }
    } else {
      expanded[key] = value;
    }
  }
  // Indexed over the keys: no entry or iterator result per resource (this runs for every template).
  const ids = Object.keys(expanded);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    const resource = expanded[id];
    if (own(resource, 'Type') === undefined && hasOwn(resource, 'Fn::Transform')) {
      const issues = new IssueCollector();
      issues.unknown(undefined, '', 'the resource', 'is an Fn::Transform (AWS::Include or a macro): it is only known at deploy time');
      resourceIssues.set(id, issues.issues());
    } else if (containsTransform(resource)) {
      const issues = new IssueCollector();
      issues.unknown(undefined, 'Properties', 'the resource',
        'holds an Fn::Transform (AWS::Include or a macro): part of it is only known at deploy time');
      resourceIssues.set(id, issues.issues());
    }
  }
  return { template: { ...template, Resources: expanded }, templateIssues, resourceIssues };
}

/**
 * Whether `Fn::Transform` appears anywhere in a value (iterative: no stack overflow on deep input;
 * no array is made per object visited, nor per call: it runs over every resource of every
 * template, and the one work list is emptied before it returns).
 */
function containsTransform(value: unknown): boolean {
  const pending = PENDING;
  pending.push(value);
  try {
    while (pending.length > 0) {
      const v = pending.pop();
      if (typeof v !== 'object' || v === null) {
        continue;
      }
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          const item: unknown = v[i];
          if (typeof item === 'object' && item !== null) {
            pending.push(item);
          }
        }
        continue;
      }
      for (const key in v) {
        if (!Object.prototype.hasOwnProperty.call(v, key)) {
          continue;
        }
        if (key === 'Fn::Transform') {
          return true;
        }
        const item = (v as Record<string, unknown>)[key];
        if (typeof item === 'object' && item !== null) {
          pending.push(item);
        }
      }
    }
    return false;
  } finally {
    pending.length = 0;
  }
}

/** containsTransform's work list (it calls nothing that could call it again). */
const PENDING: unknown[] = [];

/**
 * Expands one `Fn::ForEach::Name: [Identifier, Collection, {OutputKey: fragment}]`, nested loops
 * included, with the identifiers bound so far.
 */
function expandForEach(key: string, value: unknown, bound: Map<string, string>): { resources: Map<string, unknown>; issues: Issue[] } {
  const resources = new Map<string, unknown>();
  const issues = new IssueCollector();
  if (!Array.isArray(value) || value.length !== 3 || typeof value[0] !== 'string' || !isPlainObject(value[2])) {
    issues.unknown(undefined, `Resources.${key}`, key, `is not a loop the engine can read (${show(value)})`);
    return { resources, issues: issues.issues() };
  }
  const [identifier, collection, fragment] = value as [string, unknown, Record<string, unknown>];
  const items = Array.isArray(collection) && collection.every((c) => typeof c === 'string' || typeof c === 'number')
    ? collection.map(String) : undefined;
  if (!items) {
    issues.unknown(undefined, `Resources.${key}`, key,
      `loops over ${show(collection)}, which is only known at deploy time: the resources it makes cannot be checked here`);
    return { resources, issues: issues.issues() };
  }
  const nested: Issue[] = [];
  for (const item of items) {
    const scope = new Map(bound).set(identifier, item);
    for (const [outputKey, body] of Object.entries(fragment)) {
      if (FOR_EACH.test(outputKey)) {
        const inner = expandForEach(outputKey, body, scope);
        inner.resources.forEach((r, id) => resources.set(id, r));
        nested.push(...inner.issues);
      } else {
        resources.set(substitute(outputKey, scope), bind(body, scope));
      }
    }
  }
  return { resources, issues: [...issues.issues(), ...nested] };
}

/** `${X}` and `&{X}` (the alphanumeric form) replaced by the loop values. */
function substitute(text: string, scope: Map<string, string>): string {
  return text.replace(/([$&])\{([^}]+)\}/g, (whole, sigil: string, name: string) => {
    const v = scope.get(name);
    if (v === undefined) {
      return whole;
    }
    return sigil === '&' ? v.replace(/[^A-Za-z0-9]/g, '') : v;
  });
}

/** A fragment with the loop identifiers bound: `{ Ref: X }` becomes the value, `${X}` in strings and keys too. */
function bind(value: unknown, scope: Map<string, string>): unknown {
  if (typeof value === 'string') {
    return substitute(value, scope);
  }
  if (Array.isArray(value)) {
    return value.map((v) => bind(v, scope));
  }
  if (isPlainObject(value)) {
    const ref = own(value, 'Ref');
    if (Object.keys(value).length === 1 && typeof ref === 'string' && scope.has(ref)) {
      return scope.get(ref);
    }
    const out: Record<string, unknown> = Object.create(null);
    for (const [k, v] of Object.entries(value)) {
      out[substitute(k, scope)] = bind(v, scope);
    }
    return { ...out };
  }
  return value;
}
