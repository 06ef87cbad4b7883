import type { K8sObject } from './kustomize';

/**
 * What a container sees: its environment as the kubelet builds it (envFrom sources in order, then
 * `env`, later ones winning) and the files its ConfigMap volumes mount.
 */
export interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: Array<{ name: string; value?: string; valueFrom?: { configMapKeyRef?: KeyRef; secretKeyRef?: KeyRef } }>;
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  ports?: Array<{ name?: string; containerPort: number }>;
  volumeMounts?: Array<{ name: string; mountPath: string; subPath?: string; readOnly?: boolean }>;
  [field: string]: unknown;
}

interface KeyRef {
  name: string;
  key: string;
}

export interface ContainerEnv {
  /** Variable → value; a value from a Secret is `secretValue(name)`, since the template holds none. */
  values: Map<string, string>;
  /** Variable → where it was set ("env", "ConfigMap x", "Secret y"), for messages. */
  origin: Map<string, string>;
  /** References to ConfigMaps, Secrets or keys that do not exist. */
  problems: string[];
}

function find(objects: K8sObject[], kind: string, name: string): K8sObject | undefined {
  return objects.find((object) => object.kind === kind && object.metadata.name === name);
}

function keysOf(object: K8sObject): Record<string, string> {
  return { ...((object.data as Record<string, string>) ?? {}), ...((object.stringData as Record<string, string>) ?? {}) };
}

export function resolveContainerEnv(container: Container, objects: K8sObject[], secretValue: (name: string) => string): ContainerEnv {
  const values = new Map<string, string>();
  const origin = new Map<string, string>();
  const problems: string[] = [];
  const set = (name: string, value: string, from: string): void => {
    values.set(name, value);
    origin.set(name, from);
  };

  for (const source of container.envFrom ?? []) {
    const kind = source.configMapRef ? 'ConfigMap' : 'Secret';
    const name = (source.configMapRef ?? source.secretRef)?.name ?? '';
    const object = find(objects, kind, name);
    if (!object) {
      problems.push(`envFrom names ${kind} ${name}, which is not defined`);
      continue;
    }
    for (const [key, value] of Object.entries(keysOf(object))) set(key, kind === 'Secret' ? secretValue(key) : String(value), `${kind} ${name}`);
  }
  for (const entry of container.env ?? []) {
    const ref = entry.valueFrom?.configMapKeyRef ?? entry.valueFrom?.secretKeyRef;
    if (!ref) {
      set(entry.name, entry.value ?? '', 'env');
      continue;
    }
    const kind = entry.valueFrom?.configMapKeyRef ? 'ConfigMap' : 'Secret';
    const object = find(objects, kind, ref.name);
    const data = object ? keysOf(object) : undefined;
    if (!data || !(ref.key in data)) {
      problems.push(`${entry.name} refers to ${kind} ${ref.name} key ${ref.key}, which is not defined`);
      continue;
    }
    set(entry.name, kind === 'Secret' ? secretValue(entry.name) : data[ref.key], `${kind} ${ref.name}`);
  }
  return { values, origin, problems };
}

/** The ConfigMap entry a file path inside the container comes from, or why there is none. */
export function configMapFile(
  podSpec: Record<string, unknown>,
  container: Container,
  path: string,
  objects: K8sObject[],
): { configMap: string; key: string; content: string } | { problem: string } {
  const volumes = (podSpec.volumes as Array<{ name: string; configMap?: { name: string; items?: Array<{ key: string; path: string }> } }>) ?? [];
  for (const mount of container.volumeMounts ?? []) {
    const prefix = `${mount.mountPath.replace(/\/$/, '')}/`;
    if (!path.startsWith(prefix) && path !== mount.mountPath) continue;
    const volume = volumes.find((candidate) => candidate.name === mount.name);
    if (!volume?.configMap) return { problem: `${path} is under volume ${mount.name}, which is not a ConfigMap volume` };
    const fileName = mount.subPath ? mount.subPath : path.slice(prefix.length);
    const item = volume.configMap.items?.find((candidate) => candidate.path === fileName);
    if (volume.configMap.items && !item) return { problem: `${path}: ConfigMap volume ${mount.name} does not project ${fileName}` };
    const key = item?.key ?? fileName;
    const configMap = find(objects, 'ConfigMap', volume.configMap.name);
    if (!configMap) return { problem: `${path} comes from ConfigMap ${volume.configMap.name}, which is not defined` };
    const data = keysOf(configMap);
    if (!(key in data)) return { problem: `${path}: ConfigMap ${volume.configMap.name} has no key ${key}` };
    return { configMap: volume.configMap.name, key, content: data[key] };
  }
  return { problem: `${path} is not inside any volume mount of container ${container.name}` };
}
