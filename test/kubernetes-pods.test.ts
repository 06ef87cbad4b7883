import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupPrefix, spawnService, TEST_REDIS_URL, uniquePrefix, waitFor, type ServiceHandle } from '@status-bridge/testing';
import { readYamlDocuments, renderKustomization, type K8sObject } from './kubernetes/kustomize';
import { configMapFile } from './kubernetes/pod-env';
import { ourWorkloads, type Workload } from './kubernetes/workload-checks';

// Each process of the example overlay, started the way its pod starts it: its command's entry
// point, the environment its Deployment gives it (ConfigMaps, Secrets with stand-in values), the
// tenants file from the ConfigMap it mounts, and a fresh TMPDIR standing in for the /tmp emptyDir.
// Then the kubelet's view: the probe paths and the scrape path answer 200, and SIGTERM ends the
// process cleanly (exit 0, i.e. inside SHUTDOWN_TIMEOUT_MS).
//
// Changed for the test machine only: Redis (the test Redis, under a test prefix), the port (0, so
// parallel test files never collide; kubernetes-manifests.test.ts checks the real port against
// the probes) and every partner URL (loopback discard port: a test never calls a partner).
const KUBERNETES_DIR = join(__dirname, '..', 'deploy', 'kubernetes');
const rendered: K8sObject[] = [
  ...renderKustomization(join(KUBERNETES_DIR, 'overlays', 'example')),
  ...(readYamlDocuments(join(KUBERNETES_DIR, 'secrets.example.yaml')) as K8sObject[]),
];
const prefix = uniquePrefix('k8s-pods');
const scratch = mkdtempSync(join(tmpdir(), 'k8s-pods-'));
const started: ServiceHandle[] = [];

afterAll(async () => {
  await Promise.all(started.map((service) => service.stop('SIGKILL')));
  await cleanupPrefix(TEST_REDIS_URL, prefix);
  rmSync(scratch, { recursive: true, force: true });
});

function environmentOf(workload: Workload, podTmp: string): Record<string, string> {
  const { process, env } = workload;
  const properties = process.envSchema.properties;
  // Every variable the process knows starts unset, so nothing leaks in from the test runner's env.
  const environment: Record<string, string> = Object.fromEntries(Object.keys(properties).map((name) => [name, '']));
  Object.assign(environment, Object.fromEntries(env.values));
  for (const [name, property] of Object.entries(properties)) {
    if (property.pattern === '^https?://' && environment[name]) environment[name] = 'http://127.0.0.1:9/partner-not-called-in-tests';
  }
  const configFile = env.values.get('CONFIG_FILE');
  if (configFile) {
    const file = configMapFile(workload.podSpec, workload.container, configFile, rendered);
    if ('problem' in file) throw new Error(file.problem);
    environment.CONFIG_FILE = join(podTmp, 'tenants.json');
    writeFileSync(environment.CONFIG_FILE, file.content);
  }
  return {
    ...environment,
    NODE_ENV: 'production', // the image's ENV (Dockerfile)
    TMPDIR: podTmp,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: prefix,
    [process.portVariable]: '0',
  };
}

const workloads = ourWorkloads(rendered);

it('runs a process for every Deployment of ours', () => {
  expect(workloads.map((workload) => workload.label).sort()).toEqual([
    'Deployment/status-bridge-dashboard container dashboard',
    'Deployment/status-bridge-ingest container ingest',
    'Deployment/status-bridge-worker-deliver container worker',
    'Deployment/status-bridge-worker-enrich container worker',
  ]);
});

it.each(workloads.map((workload) => [workload.label, workload] as const))(
  '%s starts with its manifest environment, answers its probes and stops cleanly on SIGTERM',
  async (_label, workload) => {
    const podTmp = mkdtempSync(join(scratch, 'pod-'));
    const service = await spawnService(workload.process.entry, environmentOf(workload, podTmp), { timeoutMs: 60_000 });
    started.push(service);

    const probePath = (field: string): string => (workload.container[field] as { httpGet: { path: string } }).httpGet.path;
    const annotations = (workload.object.spec as { template: { metadata: { annotations?: Record<string, string> } } }).template.metadata.annotations ?? {};
    for (const path of [probePath('livenessProbe'), probePath('startupProbe'), annotations['prometheus.io/path']]) {
      expect([path, (await fetch(`${service.url}${path}`)).status]).toEqual([path, 200]);
    }
    const readiness = probePath('readinessProbe');
    await waitFor(async () => (await fetch(`${service.url}${readiness}`)).status === 200, { timeoutMs: 15_000, what: `${readiness} 200` });
    // tsx put its compile cache under TMPDIR: the reason the pod mounts an emptyDir at /tmp.
    expect(readdirSync(podTmp).some((entry) => entry.startsWith('tsx-'))).toBe(true);

    expect(await service.stop('SIGTERM', 30_000)).toBe(0);
  },
  90_000,
);
