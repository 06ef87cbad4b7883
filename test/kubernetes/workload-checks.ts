import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HEALTH_PATHS, type EnvSource } from '@status-bridge/core';
import { parseQueueList, PARTNERS, QUEUE_KEYS, tenantsFromObject, type QueueKey } from '@status-bridge/partners';
import { podSpecOf, type K8sObject } from './kustomize';
import { configMapFile, resolveContainerEnv, type Container, type ContainerEnv } from './pod-env';
import { dummySecretValue, processOf, RUNTIME_VARIABLES, type ProcessSpec } from './processes';

/**
 * Checks of each container that runs one of our processes, against what that process really
 * does: its env schema and loader, the paths it serves, its shutdown bound. Each returns
 * readable problems; an empty list means the manifests pass.
 */

/** Slack between the process's own hard stop (SHUTDOWN_TIMEOUT_MS) and the kubelet's SIGKILL. */
export const SHUTDOWN_MARGIN_MS = 5_000;
/** Endpoint removal takes a few seconds to reach kube-proxy and Ingress controllers. */
export const MIN_DRAIN_SLEEP_MS = 5_000;
const KUBERNETES_DEFAULT_GRACE_S = 30;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);
// One of these must be set in a pod: the schema default (a loopback Redis) is never right there.
// REDIS_CLUSTER_NODES / REDIS_SENTINELS join this list when the Redis Cluster/Sentinel change lands.
export const REDIS_LOCATION_VARIABLES = ['REDIS_URL'];

export interface Workload {
  /** "Deployment/status-bridge-ingest container ingest", for messages. */
  label: string;
  object: K8sObject;
  podSpec: Record<string, unknown>;
  container: Container;
  process: ProcessSpec;
  env: ContainerEnv;
}

/**
 * Stand-ins in a partner's own format for the secrets the tenants files (ConfigMaps with a
 * `{"tenants": …}` JSON key) name, where the partner's sandbox gives one (`quickStartSecret`): a
 * partner that checks a secret's format when its worker starts (webhook signing secrets) would
 * refuse the generic stand-in, and the pods test starts the workers.
 */
function partnerSecretStandIns(objects: K8sObject[]): Map<string, string> {
  const standIns = new Map<string, string>();
  for (const object of objects) {
    if (object.kind !== 'ConfigMap') continue;
    for (const content of Object.values((object.data as Record<string, string> | undefined) ?? {})) {
      let tenants: Record<string, Record<string, unknown>> | undefined;
      try {
        tenants = (JSON.parse(content) as { tenants?: Record<string, Record<string, unknown>> }).tenants;
      } catch {
        continue;
      }
      for (const tenant of Object.values(tenants ?? {})) {
        for (const partner of PARTNERS) {
          const section = tenant?.[partner.key];
          const standIn = partner.sandbox?.quickStartSecret;
          if (!section || !standIn) continue;
          try {
            for (const { env } of partner.tenant.secrets(section as never)) standIns.set(env, standIn(env));
          } catch {
            // A section the schema refuses is reported by checkTenantsFile.
          }
        }
      }
    }
  }
  return standIns;
}

export function ourWorkloads(objects: K8sObject[]): Workload[] {
  const standIns = partnerSecretStandIns(objects);
  return objects.flatMap((object) => {
    const podSpec = podSpecOf(object);
    const containers = (podSpec?.containers as Container[] | undefined) ?? [];
    return containers.flatMap((container) => {
      const process = processOf(container);
      if (!podSpec || !process) return [];
      const env = resolveContainerEnv(container, objects, (name) => standIns.get(name) ?? dummySecretValue(name, process));
      return [{ label: `${object.kind}/${object.metadata.name} container ${container.name}`, object, podSpec, container, process, env }];
    });
  });
}

/** The value the process will use: set in the manifest, else its schema default. */
export function effective(workload: Workload, name: string): string | undefined {
  const set = workload.env.values.get(name);
  if (set !== undefined && set !== '') return set;
  const fallback = workload.process.envSchema.properties[name]?.default;
  return fallback === undefined ? undefined : String(fallback);
}

export function checkWorkloads(objects: K8sObject[]): string[] {
  const workloads = ourWorkloads(objects);
  const problems = workloads.flatMap((workload) => checkWorkload(workload, objects).map((problem) => `${workload.label}: ${problem}`));
  return [...problems, ...checkEveryQueueConsumed(workloads)];
}

function checkWorkload(workload: Workload, objects: K8sObject[]): string[] {
  return [
    ...workload.env.problems,
    ...checkCommand(workload),
    ...checkEnvironment(workload, objects),
    ...checkPorts(workload),
    ...checkShutdown(workload),
    ...checkSecurity(workload),
    ...checkResources(workload),
  ];
}

function checkCommand({ container, process }: Workload): string[] {
  // The Dockerfile's form: tsx's loader runs the TypeScript entry point, the code the tests ran.
  const expected = ['node', '--import', 'tsx', process.entry];
  const actual = [...(container.command ?? []), ...(container.args ?? [])];
  return actual.join(' ') === expected.join(' ') ? [] : [`command is "${actual.join(' ')}", expected "${expected.join(' ')}"`];
}

function checkEnvironment(workload: Workload, objects: K8sObject[]): string[] {
  const { process, env } = workload;
  const problems: string[] = [];
  const isSet = (name: string): boolean => (env.values.get(name) ?? '') !== '';
  for (const name of process.envSchema.required) {
    if (!isSet(name)) problems.push(`${name} is required by the ${process.name} (its env schema) but not set`);
  }
  if (!REDIS_LOCATION_VARIABLES.some(isSet)) problems.push(`none of ${REDIS_LOCATION_VARIABLES.join(', ')} is set: the process would look for Redis on its own loopback`);
  if (process.name === 'worker') {
    try {
      parseQueueList(effective(workload, 'WORKER_QUEUES') ?? '');
    } catch (error) {
      problems.push(`WORKER_QUEUES: ${(error as Error).message}`);
    }
  }

  // The tenants file the process will read, from the mounted ConfigMap.
  const values = Object.fromEntries(env.values);
  const configFile = env.values.get('CONFIG_FILE');
  let tenantsFile: string | undefined;
  if (configFile) {
    const file = configMapFile(workload.podSpec, workload.container, configFile, objects);
    if ('problem' in file) problems.push(`CONFIG_FILE: ${file.problem}`);
    else {
      problems.push(...checkTenantsFile(file.content, `ConfigMap ${file.configMap} key ${file.key}`));
      tenantsFile = file.content;
    }
  }
  const outcome = runLoader(process, values, tenantsFile);
  if (outcome.error !== undefined) {
    // The variables read before the failure are not all it knows: report the failure alone.
    return [...problems, `the ${process.name} would refuse to start: ${outcome.error}`];
  }
  for (const [name, from] of env.origin) {
    if (!outcome.read.has(name) && !RUNTIME_VARIABLES.has(name)) problems.push(`${name} (from ${from}) is not a variable the ${process.name} reads: a typo, or meant for another process?`);
  }
  return problems;
}

interface LoaderOutcome {
  error?: string;
  read: Set<string>;
}

// The same environment always gives the same outcome; the negative tests change one workload at a
// time, so the others are answered from here (each load compiles the tenants schema anew).
const loaderOutcomes = new Map<string, LoaderOutcome>();

/**
 * Runs the process's own loader on `values` (the tenants file, if any, written where CONFIG_FILE
 * points), recording every variable it reads: a variable set but never read is a typo or belongs
 * to another process.
 */
function runLoader(process: ProcessSpec, values: Record<string, string>, tenantsFile: string | undefined): LoaderOutcome {
  const cacheKey = JSON.stringify([process.name, values, tenantsFile]);
  const cached = loaderOutcomes.get(cacheKey);
  if (cached) return cached;
  const scratch = mkdtempSync(join(tmpdir(), 'k8s-manifest-'));
  const source = { ...values };
  if (tenantsFile !== undefined) {
    source.CONFIG_FILE = join(scratch, 'tenants.json');
    writeFileSync(source.CONFIG_FILE, tenantsFile);
  }
  const read = new Set<string>();
  const recorded = new Proxy(source, {
    get(target, name) {
      if (typeof name === 'string') read.add(name);
      return target[name as string];
    },
  }) as EnvSource;
  let outcome: LoaderOutcome;
  try {
    process.loadConfig(recorded);
    outcome = { read };
  } catch (error) {
    const message = (error as Error).message;
    // Name the file as the container sees it, not our scratch copy.
    const shown = source.CONFIG_FILE && values.CONFIG_FILE ? message.split(source.CONFIG_FILE).join(values.CONFIG_FILE) : message;
    outcome = { read, error: oneLine(shown) };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  loaderOutcomes.set(cacheKey, outcome);
  return outcome;
}

/** ConfigErrors list their problems on indented lines; one line reads better in a test report. */
function oneLine(message: string): string {
  return message.replace(/\n\s*(- )?/g, ' ');
}

const tenantsFileProblems = new Map<string, string[]>();

/** The tenants file validates against the schema the processes use (secrets stood in for). */
export function checkTenantsFile(content: string, where: string): string[] {
  const key = JSON.stringify([content, where]);
  const known = tenantsFileProblems.get(key);
  if (known) return known;
  let problems: string[] = [];
  try {
    const anySecret = new Proxy({}, { get: () => 'stand-in-secret' }) as EnvSource;
    tenantsFromObject(JSON.parse(content), anySecret, ['inbound', 'icims', 'partners'], where);
  } catch (error) {
    problems = [`tenants file: ${oneLine((error as Error).message)}`];
  }
  tenantsFileProblems.set(key, problems);
  return problems;
}

function resolvePort(container: Container, port: unknown): number | undefined {
  if (typeof port === 'number') return port;
  return container.ports?.find((candidate) => candidate.name === port)?.containerPort;
}

function checkPorts(workload: Workload): string[] {
  const { container, process, object } = workload;
  const problems: string[] = [];
  const port = Number(effective(workload, process.portVariable));
  if (!Number.isInteger(port) || port <= 0) return [`${process.portVariable} is ${effective(workload, process.portVariable)}: probes need a fixed port`];
  if (!(container.ports ?? []).some((candidate) => candidate.containerPort === port)) problems.push(`no containerPort ${port} (${process.portVariable}) declared`);
  const host = effective(workload, process.hostVariable) ?? '';
  if (LOOPBACK_HOSTS.has(host)) problems.push(`${process.hostVariable}=${host}: the kubelet probes the pod IP, not loopback`);

  const probes: Array<[string, string, boolean]> = [
    ['livenessProbe', HEALTH_PATHS.live, true],
    ['readinessProbe', HEALTH_PATHS.ready, true],
    ['startupProbe', HEALTH_PATHS.live, false],
  ];
  for (const [field, path, required] of probes) {
    const probe = container[field] as { httpGet?: { path?: string; port?: unknown } } | undefined;
    if (!probe) {
      if (required) problems.push(`no ${field}`);
      continue;
    }
    if (!probe.httpGet) {
      problems.push(`${field} is not an httpGet probe of ${path}`);
      continue;
    }
    // Liveness must not follow Redis: restarting every pod during a Redis outage fixes nothing.
    if (probe.httpGet.path !== path) problems.push(`${field} path is ${probe.httpGet.path}, the ${process.name} serves ${path} for it`);
    const probePort = resolvePort(container, probe.httpGet.port);
    if (probePort !== port) {
      const named = typeof probe.httpGet.port === 'string' ? ` (${probePort ?? 'not a declared port'})` : '';
      problems.push(`${field} port is ${String(probe.httpGet.port)}${named}, but the ${process.name} listens on ${port} (${process.portVariable})`);
    }
  }

  const annotations = ((object.spec as { template?: { metadata?: { annotations?: Record<string, string> } } }).template?.metadata?.annotations) ?? {};
  if (annotations['prometheus.io/scrape'] === 'true') {
    if (Number(annotations['prometheus.io/port']) !== port) problems.push(`prometheus.io/port is ${annotations['prometheus.io/port']}, but /metrics is on ${port}`);
    if ((annotations['prometheus.io/path'] ?? '/metrics') !== HEALTH_PATHS.metrics) problems.push(`prometheus.io/path is ${annotations['prometheus.io/path']}, the process serves ${HEALTH_PATHS.metrics}`);
  }
  return problems;
}

/** How long the preStop hook keeps the container before SIGTERM, or a problem when unknown. */
export function preStopMs(container: Container): number | string {
  const preStop = (container.lifecycle as { preStop?: { exec?: { command?: string[] }; sleep?: { seconds: number } } } | undefined)?.preStop;
  if (!preStop) return 0;
  if (preStop.sleep) return preStop.sleep.seconds * 1000;
  const command = (preStop.exec?.command ?? []).join(' ');
  const sleep = /^(?:\/bin\/)?sleep (\d+)$|^\/bin\/sh -c sleep (\d+)$/.exec(command);
  if (!sleep) return `preStop "${command}" is not a plain sleep, so its length is unknown`;
  return Number(sleep[1] ?? sleep[2]) * 1000;
}

function checkShutdown(workload: Workload): string[] {
  const { container, podSpec, process } = workload;
  const preStop = preStopMs(container);
  if (typeof preStop === 'string') return [preStop];
  const problems: string[] = [];
  const graceMs = Number(podSpec.terminationGracePeriodSeconds ?? KUBERNETES_DEFAULT_GRACE_S) * 1000;
  const shutdownMs = Number(effective(workload, 'SHUTDOWN_TIMEOUT_MS'));
  // The kubelet counts the preStop hook inside the grace period, then SIGKILLs.
  if (graceMs < preStop + shutdownMs + SHUTDOWN_MARGIN_MS) {
    problems.push(
      `terminationGracePeriodSeconds ${graceMs / 1000} s is too short: preStop ${preStop / 1000} s + SHUTDOWN_TIMEOUT_MS ${shutdownMs / 1000} s + ${SHUTDOWN_MARGIN_MS / 1000} s margin needs ${(preStop + shutdownMs + SHUTDOWN_MARGIN_MS) / 1000} s`,
    );
  }
  if (process.drainsBeforeShutdown && preStop < MIN_DRAIN_SLEEP_MS) {
    problems.push(`the ${process.name} needs a preStop sleep of at least ${MIN_DRAIN_SLEEP_MS / 1000} s so Services stop sending before SIGTERM (has ${preStop / 1000} s)`);
  }
  return problems;
}

interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  allowPrivilegeEscalation?: boolean;
  readOnlyRootFilesystem?: boolean;
  capabilities?: { drop?: string[] };
}

function checkSecurity({ container, podSpec }: Workload): string[] {
  const pod = (podSpec.securityContext as SecurityContext | undefined) ?? {};
  const own = (container.securityContext as SecurityContext | undefined) ?? {};
  const problems: string[] = [];
  if ((own.runAsNonRoot ?? pod.runAsNonRoot) !== true) problems.push('runAsNonRoot is not true');
  const user = own.runAsUser ?? pod.runAsUser;
  // The image's USER is a name ("node"); the kubelet can only verify runAsNonRoot with a number.
  if (typeof user !== 'number' || user === 0) problems.push(`runAsUser is ${String(user)}: set the image user's uid (1000)`);
  if (own.allowPrivilegeEscalation !== false) problems.push('allowPrivilegeEscalation is not false');
  if (!own.capabilities?.drop?.includes('ALL')) problems.push('capabilities do not drop ALL');
  if (own.readOnlyRootFilesystem !== true) problems.push('readOnlyRootFilesystem is not true');
  else {
    // tsx keeps its compile cache in os.tmpdir() and fails at start when it cannot create it.
    const volumes = (podSpec.volumes as Array<{ name: string; emptyDir?: unknown }>) ?? [];
    const tmp = container.volumeMounts?.find((mount) => mount.mountPath === '/tmp');
    const volume = volumes.find((candidate) => candidate.name === tmp?.name);
    if (!tmp || tmp.readOnly || !volume?.emptyDir) problems.push('read-only root filesystem without a writable emptyDir at /tmp (tsx needs it for its cache)');
  }
  return problems;
}

/** Bytes of a Kubernetes memory quantity (the suffixes our manifests use). */
export function memoryBytes(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|K|M|G)?$/.exec(quantity);
  if (!match) return Number.NaN;
  const units: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, K: 1e3, M: 1e6, G: 1e9 };
  return Number(match[1]) * (match[2] ? units[match[2]] : 1);
}

function checkResources(workload: Workload): string[] {
  const resources = (workload.container.resources as { requests?: Record<string, string>; limits?: Record<string, string> } | undefined) ?? {};
  const problems: string[] = [];
  for (const [section, name] of [['requests', 'cpu'], ['requests', 'memory'], ['limits', 'memory']] as const) {
    if (!resources[section]?.[name]) problems.push(`resources.${section}.${name} is not set`);
  }
  const heap = /--max-old-space-size=(\d+)/.exec(workload.env.values.get('NODE_OPTIONS') ?? '');
  const limit = resources.limits?.memory;
  if (heap && limit && Number(heap[1]) * 2 ** 20 >= memoryBytes(limit)) {
    problems.push(`NODE_OPTIONS --max-old-space-size=${heap[1]} MiB is not below the memory limit ${limit}: the kernel would kill the pod before V8 collects`);
  }
  return problems;
}

/** The queues a worker container consumes (empty when WORKER_QUEUES is invalid). */
export function queuesOf(workload: Workload): QueueKey[] {
  try {
    return parseQueueList(effective(workload, 'WORKER_QUEUES') ?? '');
  } catch {
    return [];
  }
}

function checkEveryQueueConsumed(workloads: Workload[]): string[] {
  const consumed = new Set(workloads.filter((workload) => workload.process.name === 'worker').flatMap(queuesOf));
  const missing = QUEUE_KEYS.filter((key) => !consumed.has(key));
  return missing.length > 0 ? [`no worker consumes queue(s) ${missing.join(', ')}: their jobs would wait forever`] : [];
}
