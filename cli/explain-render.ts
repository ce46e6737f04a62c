// `orch explain` output from an OpenAPI v3 document the server publishes, laid out as
// kubectl's explain prints it (KIND/VERSION, FIELD, DESCRIPTION, FIELDS with types).
// Pure: the command fetches the document, this walks it.

type Schema = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface ExplainTarget {
  group: string;
  version: string;
  kind: string;
  /** Field names after the type: ['spec', 'containers', 'livenessProbe']. */
  path: string[];
  recursive?: boolean;
}

export class ExplainError extends Error {}

const WIDTH = 77;

function wrap(text: string, indent: string): string[] {
  const out: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      if (line && line.length + 1 + word.length > WIDTH) {
        out.push(indent + line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    if (line) out.push(indent + line);
  }
  return out;
}

/** The definition a reference names ('#/components/schemas/io.k8s.api.core.v1.Pod'). */
function refName(s: Schema): string | undefined {
  const ref: string | undefined = s.$ref ?? (s.allOf?.length === 1 ? s.allOf[0].$ref : undefined);
  return ref?.slice(ref.lastIndexOf('/') + 1);
}

function deref(s: Schema, schemas: Record<string, Schema>): Schema {
  const name = refName(s);
  return name ? (schemas[name] ?? {}) : s;
}

/** kubectl's type words: string, integer, []Container, map[string]string, IntOrString. */
export function typeName(s: Schema, schemas: Record<string, Schema>): string {
  if (s.items) return `[]${typeName(s.items, schemas)}`;
  if (s.additionalProperties && typeof s.additionalProperties === 'object') return `map[string]${typeName(s.additionalProperties, schemas)}`;
  const name = refName(s);
  if (name) {
    const target = schemas[name] ?? {};
    // A definition that is a plain string on the wire (Time) reads as one.
    if (typeof target.type === 'string' && target.type !== 'object') return target.type;
    return name.slice(name.lastIndexOf('.') + 1);
  }
  return typeof s.type === 'string' ? (s.type === 'object' ? 'Object' : s.type) : 'Object';
}

/** The schema of a list's items or a map's values, as explain steps through them. */
function element(s: Schema, schemas: Record<string, Schema>): Schema {
  if (s.items) return element(s.items, schemas);
  if (s.additionalProperties && typeof s.additionalProperties === 'object') return element(s.additionalProperties, schemas);
  return deref(s, schemas);
}

function fieldLines(s: Schema, schemas: Record<string, Schema>, depth: number, recursive: boolean, seen: string[], out: string[]): void {
  const props: Record<string, Schema> = s.properties ?? {};
  const required = new Set<string>(s.required ?? []);
  const indent = '  '.repeat(depth + 1);
  for (const name of Object.keys(props).sort()) {
    const p = props[name]!;
    out.push(`${indent}${name}\t<${typeName(p, schemas)}>${required.has(name) ? ' -required-' : ''}`);
    if (!recursive) {
      if (p.description) out.push(...wrap(p.description, `${indent}  `));
      out.push('');
      continue;
    }
    const inner = element(p, schemas);
    const ref = refName(p.items ?? p.additionalProperties ?? p) ?? '';
    // A type that contains itself (JSONSchemaProps upstream) is shown once.
    if (inner.properties && !seen.includes(ref)) fieldLines(inner, schemas, depth + 1, true, [...seen, ref], out);
  }
}

/** The kind's definition in a group version's document, found by x-kubernetes-group-version-kind. */
export function kindDefinition(doc: Schema, t: Pick<ExplainTarget, 'group' | 'version' | 'kind'>): string | undefined {
  const schemas: Record<string, Schema> = doc.components?.schemas ?? {};
  return Object.keys(schemas).find((n) =>
    (schemas[n]!['x-kubernetes-group-version-kind'] ?? []).some((g: Schema) => g.group === t.group && g.version === t.version && g.kind === t.kind),
  );
}

export function renderExplain(doc: Schema, t: ExplainTarget): string {
  const schemas: Record<string, Schema> = doc.components?.schemas ?? {};
  const def = kindDefinition(doc, t);
  if (!def) throw new ExplainError(`couldn't find resource for "${t.group ? `${t.group}/` : ''}${t.version}, Kind=${t.kind}"`);
  const out: string[] = [];
  if (t.group) out.push(`GROUP:      ${t.group}`);
  out.push(`KIND:       ${t.kind}`, `VERSION:    ${t.version}`, '');
  let schema = schemas[def]!;
  let field: Schema | undefined;
  for (const name of t.path) {
    const next = schema.properties?.[name];
    if (!next) throw new ExplainError(`field "${name}" does not exist`);
    field = next;
    schema = element(next, schemas);
  }
  if (field) out.push(`FIELD: ${t.path[t.path.length - 1]} <${typeName(field, schemas)}>`, '');
  const descriptions = [field?.description, schema !== field ? schema.description : undefined].filter((d): d is string => Boolean(d));
  if (descriptions.length) {
    out.push('DESCRIPTION:');
    for (const d of descriptions) out.push(...wrap(d, '    '));
    out.push('');
  }
  if (schema.properties) {
    out.push('FIELDS:');
    fieldLines(schema, schemas, 0, Boolean(t.recursive), [def], out);
  }
  while (out[out.length - 1] === '') out.pop();
  return `${out.join('\n')}\n`;
}
