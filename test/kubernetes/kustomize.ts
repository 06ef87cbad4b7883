import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

/**
 * The part of kustomize that deploy/kubernetes uses, in TypeScript, so the manifest tests render an
 * overlay without a kustomize or kubectl binary. Anything else in a kustomization.yaml is refused
 * by name, so a new feature cannot be silently ignored: extend this file with it.
 *
 * One difference on purpose: generated ConfigMaps keep their plain name (kustomize appends a hash
 * and rewrites the references to it). test/kubernetes-manifests.test.ts compares the two renderings with
 * the hash taken out whenever `kubectl kustomize` is on the PATH.
 */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

interface ImageRule {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

interface ConfigMapGenerator {
  name: string;
  files?: string[];
  literals?: string[];
}

interface Patch {
  target: { kind: string; name: string };
  patch: string;
}

interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace';
  path: string;
  value?: unknown;
}

export interface Kustomization {
  apiVersion: string;
  kind: 'Kustomization' | 'Component';
  namespace?: string;
  resources?: string[];
  components?: string[];
  configMapGenerator?: ConfigMapGenerator[];
  images?: ImageRule[];
  patches?: Patch[];
}

const KUSTOMIZATION_FIELDS = new Set(['apiVersion', 'kind', 'namespace', 'resources', 'components', 'configMapGenerator', 'images', 'patches']);
const KUSTOMIZATION_KINDS: Record<string, string> = {
  Kustomization: 'kustomize.config.k8s.io/v1beta1',
  Component: 'kustomize.config.k8s.io/v1alpha1',
};
// Only these kinds are cluster-scoped among what deploy/kubernetes contains.
const CLUSTER_SCOPED_KINDS = new Set(['Namespace']);

/** Every YAML document of a file, parsed; a syntax error names the file. */
export function readYamlDocuments(path: string): unknown[] {
  const documents = parseAllDocuments(readFileSync(path, 'utf8'));
  return documents.flatMap((document) => {
    if (document.errors.length > 0) throw new Error(`${path}: ${document.errors.map((error) => error.message).join('; ')}`);
    const value = document.toJS() as unknown;
    return value === null || value === undefined ? [] : [value];
  });
}

export function readKustomization(dir: string): Kustomization {
  const path = join(dir, 'kustomization.yaml');
  const [kustomization] = readYamlDocuments(path) as Kustomization[];
  checkKustomizationShape(kustomization, path);
  return kustomization;
}

/** A minimal structural check: kustomize's own schema is not in kubernetes-models. */
export function checkKustomizationShape(kustomization: Kustomization, where: string): void {
  const unknown = Object.keys(kustomization).filter((field) => !KUSTOMIZATION_FIELDS.has(field));
  if (unknown.length > 0) throw new Error(`${where}: ${unknown.join(', ')} not handled by test/kubernetes/kustomize.ts; extend it`);
  if (KUSTOMIZATION_KINDS[kustomization.kind] !== kustomization.apiVersion) {
    throw new Error(`${where}: kind ${kustomization.kind} needs apiVersion ${KUSTOMIZATION_KINDS[kustomization.kind] ?? '(unknown kind)'}, got ${kustomization.apiVersion}`);
  }
  for (const list of ['resources', 'components'] as const) {
    const entries = kustomization[list];
    if (entries !== undefined && (!Array.isArray(entries) || entries.some((entry) => typeof entry !== 'string'))) {
      throw new Error(`${where}: ${list} must be a list of paths`);
    }
  }
}

/**
 * Renders the kustomization in `dir` in kustomize's order: resources, then components (each works on
 * everything accumulated so far), then its own generators, then its transformers.
 */
export function renderKustomization(dir: string, kustomization: Kustomization = readKustomization(dir), accumulated: K8sObject[] = []): K8sObject[] {
  let objects = accumulated;
  for (const resource of kustomization.resources ?? []) objects.push(...loadResource(resolve(dir, resource)));
  for (const component of kustomization.components ?? []) {
    const componentDir = resolve(dir, component);
    const componentKustomization = readKustomization(componentDir);
    if (componentKustomization.kind !== 'Component') throw new Error(`${componentDir}: listed under components but is a ${componentKustomization.kind}`);
    objects = renderKustomization(componentDir, componentKustomization, objects);
  }
  for (const generator of kustomization.configMapGenerator ?? []) objects.push(generateConfigMap(dir, generator));
  return applyTransformers(objects, dir, kustomization);
}

function loadResource(path: string): K8sObject[] {
  if (!existsSync(path)) throw new Error(`resource ${path} does not exist`);
  if (statSync(path).isDirectory()) {
    const kustomization = readKustomization(path);
    if (kustomization.kind !== 'Kustomization') throw new Error(`${path}: a Component belongs under components, not resources`);
    return renderKustomization(path, kustomization, []);
  }
  return readYamlDocuments(path).map((document) => asObject(document, path));
}

function asObject(document: unknown, where: string): K8sObject {
  const object = document as K8sObject;
  if (typeof object?.apiVersion !== 'string' || typeof object.kind !== 'string' || typeof object.metadata?.name !== 'string') {
    throw new Error(`${where}: a document without apiVersion, kind or metadata.name`);
  }
  return object;
}

function generateConfigMap(dir: string, generator: ConfigMapGenerator): K8sObject {
  const data: Record<string, string> = {};
  for (const file of generator.files ?? []) {
    // "key=path" or "path" (the key is then the file name).
    const [key, path] = file.includes('=') ? file.split('=', 2) : [basename(file), file];
    data[key] = readFileSync(resolve(dir, path), 'utf8');
  }
  for (const literal of generator.literals ?? []) {
    const at = literal.indexOf('=');
    data[literal.slice(0, at)] = literal.slice(at + 1);
  }
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: generator.name }, data };
}

function applyTransformers(objects: K8sObject[], dir: string, kustomization: Kustomization): K8sObject[] {
  for (const patch of kustomization.patches ?? []) {
    const operations = readYamlDocumentsFromText(patch.patch, `${dir} patch`) as JsonPatchOperation[];
    const targets = objects.filter((object) => object.kind === patch.target.kind && object.metadata.name === patch.target.name);
    if (targets.length === 0) throw new Error(`${dir}: patch target ${patch.target.kind}/${patch.target.name} not found`);
    for (const target of targets) for (const operation of operations) applyJsonPatch(target, operation);
  }
  for (const rule of kustomization.images ?? []) {
    for (const container of podContainers(objects)) {
      const current = splitImage(String(container.image));
      if (current.name !== rule.name) continue;
      const newName = rule.newName ?? current.name;
      container.image = rule.digest ? `${newName}@${rule.digest}` : `${newName}${rule.newTag ? `:${rule.newTag}` : current.tag ? `:${current.tag}` : ''}`;
    }
  }
  if (kustomization.namespace) {
    for (const object of objects) if (!CLUSTER_SCOPED_KINDS.has(object.kind)) object.metadata.namespace = kustomization.namespace;
  }
  return objects;
}

function readYamlDocumentsFromText(text: string, where: string): unknown[] {
  const [document] = parseAllDocuments(text);
  if (!document || document.errors.length > 0) throw new Error(`${where}: not valid YAML`);
  const value = document.toJS() as unknown;
  if (!Array.isArray(value)) throw new Error(`${where}: only JSON 6902 patches (a list of operations) are handled`);
  return value;
}

function applyJsonPatch(target: K8sObject, operation: JsonPatchOperation): void {
  const keys = operation.path.split('/').slice(1).map((key) => key.replace(/~1/g, '/').replace(/~0/g, '~'));
  const last = keys.pop();
  let parent: Record<string, unknown> = target;
  for (const key of keys) {
    parent = parent[key] as Record<string, unknown>;
    if (parent === undefined) throw new Error(`patch path ${operation.path} not found in ${target.kind}/${target.metadata.name}`);
  }
  if (last === undefined) throw new Error(`patch path ${operation.path} is empty`);
  if (operation.op !== 'add' && !(last in parent)) throw new Error(`patch path ${operation.path} not found in ${target.kind}/${target.metadata.name}`);
  if (operation.op === 'remove') delete parent[last];
  else if (operation.op === 'add' || operation.op === 'replace') parent[last] = operation.value;
  else throw new Error(`patch op ${String((operation as { op: unknown }).op)} not handled`);
}

function splitImage(image: string): { name: string; tag?: string } {
  const at = image.indexOf('@');
  const withoutDigest = at >= 0 ? image.slice(0, at) : image;
  const colon = withoutDigest.lastIndexOf(':');
  // A colon before the last slash belongs to a registry port, not a tag.
  if (colon > withoutDigest.lastIndexOf('/')) return { name: withoutDigest.slice(0, colon), tag: withoutDigest.slice(colon + 1) };
  return { name: withoutDigest };
}

/** Every container (and init container) of every pod template. */
export function podContainers(objects: K8sObject[]): Array<Record<string, unknown>> {
  return objects.flatMap((object) => {
    const podSpec = podSpecOf(object);
    if (!podSpec) return [];
    return [...((podSpec.containers as Array<Record<string, unknown>>) ?? []), ...((podSpec.initContainers as Array<Record<string, unknown>>) ?? [])];
  });
}

export function podSpecOf(object: K8sObject): Record<string, unknown> | undefined {
  const template = (object.spec as { template?: { spec?: Record<string, unknown> } } | undefined)?.template;
  return template?.spec;
}
