import { HEALTH_PATHS } from '@status-bridge/core';
import { QUEUE_KEYS } from '@status-bridge/partners';
import { podSpecOf, type K8sObject } from './kustomize';
import type { Container } from './pod-env';
import { ourWorkloads, queuesOf } from './workload-checks';

/**
 * Checks between objects: that Services, disruption budgets, the Ingress, KEDA ScaledObjects and
 * the PodMonitor reach the pods and ports they mean to, and that the Secret template holds no value.
 */
export function checkWiring(objects: K8sObject[]): string[] {
  return [
    ...checkServices(objects),
    ...checkDisruptionBudgets(objects),
    ...checkIngresses(objects),
    ...checkScaledObjects(objects),
    ...checkPodMonitors(objects),
    ...checkRedisExamples(objects),
  ];
}

type Labels = Record<string, string>;

function podLabels(object: K8sObject): Labels | undefined {
  return (object.spec as { template?: { metadata?: { labels?: Labels } } } | undefined)?.template?.metadata?.labels;
}

function selects(selector: Labels | undefined, labels: Labels | undefined): boolean {
  if (!selector || Object.keys(selector).length === 0 || !labels) return false;
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

function workloadsSelectedBy(objects: K8sObject[], selector: Labels | undefined): K8sObject[] {
  return objects.filter((object) => podSpecOf(object) && selects(selector, podLabels(object)));
}

function containersOf(object: K8sObject): Container[] {
  return (podSpecOf(object)?.containers as Container[] | undefined) ?? [];
}

function hasContainerPort(object: K8sObject, port: string | number): boolean {
  return containersOf(object).some((container) => (container.ports ?? []).some((candidate) => candidate.name === port || candidate.containerPort === port));
}

const of = (object: K8sObject): string => `${object.kind}/${object.metadata.name}`;

function checkServices(objects: K8sObject[]): string[] {
  return objects
    .filter((object) => object.kind === 'Service')
    .flatMap((service) => {
      const spec = service.spec as { selector?: Labels; ports?: Array<{ name?: string; port: number; targetPort?: string | number }> };
      const targets = workloadsSelectedBy(objects, spec.selector);
      if (targets.length === 0) return [`${of(service)}: its selector matches no pods`];
      return (spec.ports ?? []).flatMap((port) => {
        const targetPort = port.targetPort ?? port.port;
        return targets.filter((target) => !hasContainerPort(target, targetPort)).map((target) => `${of(service)}: targetPort ${targetPort} is not a port of ${of(target)}`);
      });
    });
}

function checkDisruptionBudgets(objects: K8sObject[]): string[] {
  return objects
    .filter((object) => object.kind === 'PodDisruptionBudget')
    .flatMap((budget) => {
      const spec = budget.spec as { selector?: { matchLabels?: Labels }; minAvailable?: number | string };
      const targets = workloadsSelectedBy(objects, spec.selector?.matchLabels);
      if (targets.length === 0) return [`${of(budget)}: its selector matches no pods`];
      // A budget that never allows an eviction blocks every node drain.
      return targets
        .filter((target) => typeof spec.minAvailable === 'number' && typeof (target.spec as { replicas?: number }).replicas === 'number' && spec.minAvailable >= (target.spec as { replicas: number }).replicas)
        .map((target) => `${of(budget)}: minAvailable ${String(spec.minAvailable)} with ${String((target.spec as { replicas: number }).replicas)} replicas of ${of(target)} blocks every node drain`);
    });
}

/** Whether an Ingress path routes `path` (Prefix matches whole path segments). */
function routes(rule: { path?: string; pathType?: string }, path: string): boolean {
  const own = rule.path ?? '/';
  if (rule.pathType === 'Exact') return own === path;
  const prefix = own.replace(/\/$/, '');
  return prefix === '' || path === prefix || path.startsWith(`${prefix}/`);
}

function checkIngresses(objects: K8sObject[]): string[] {
  return objects
    .filter((object) => object.kind === 'Ingress')
    .flatMap((ingress) => {
      const spec = ingress.spec as {
        tls?: Array<{ hosts?: string[] }>;
        rules?: Array<{ host?: string; http?: { paths: Array<{ path?: string; pathType?: string; backend: { service?: { name: string; port: { name?: string; number?: number } } } }> } }>;
      };
      const problems: string[] = [];
      const tlsHosts = new Set((spec.tls ?? []).flatMap((entry) => entry.hosts ?? []));
      for (const rule of spec.rules ?? []) {
        // iCIMS only calls HTTPS endpoints with a certificate it trusts.
        if (!rule.host || !tlsHosts.has(rule.host)) problems.push(`${of(ingress)}: host ${rule.host ?? '(any)'} has no TLS entry`);
        for (const path of rule.http?.paths ?? []) {
          for (const internal of [HEALTH_PATHS.metrics, HEALTH_PATHS.live, HEALTH_PATHS.ready]) {
            if (routes(path, internal)) problems.push(`${of(ingress)}: path ${path.path} (${path.pathType}) makes ${internal} public`);
          }
          const backend = path.backend.service;
          const service = objects.find((object) => object.kind === 'Service' && object.metadata.name === backend?.name);
          if (!service) {
            problems.push(`${of(ingress)}: backend Service ${backend?.name ?? '(none)'} is not defined`);
            continue;
          }
          const ports = (service.spec as { ports?: Array<{ name?: string; port: number }> }).ports ?? [];
          if (!ports.some((port) => port.name === backend?.port.name || port.port === backend?.port.number)) {
            problems.push(`${of(ingress)}: ${of(service)} has no port ${backend?.port.name ?? backend?.port.number}`);
          }
        }
      }
      return problems;
    });
}

/** Queue keys a PromQL selector names with queue="a" or queue=~"a|b". */
export function queuesInQuery(query: string): string[] {
  const match = /queue(=~?)"([^"]*)"/.exec(query);
  if (!match) return [];
  return match[1] === '=' ? [match[2]] : match[2].split('|');
}

function checkScaledObjects(objects: K8sObject[]): string[] {
  const workloads = ourWorkloads(objects);
  return objects
    .filter((object) => object.kind === 'ScaledObject')
    .flatMap((scaledObject) => {
      const spec = scaledObject.spec as { scaleTargetRef: { name: string; kind?: string }; triggers: Array<{ type: string; metadata: Record<string, string> }> };
      const target = objects.find((object) => object.kind === (spec.scaleTargetRef.kind ?? 'Deployment') && object.metadata.name === spec.scaleTargetRef.name);
      if (!target) return [`${of(scaledObject)}: scale target ${spec.scaleTargetRef.name} is not defined`];
      const problems: string[] = [];
      // Both writing spec.replicas, kubectl apply and KEDA would fight over it.
      if ((target.spec as { replicas?: number }).replicas !== undefined) problems.push(`${of(scaledObject)}: ${of(target)} still sets replicas, which KEDA owns`);
      const worker = workloads.find((workload) => workload.object === target && workload.process.name === 'worker');
      if (!worker) return [...problems, `${of(scaledObject)}: ${of(target)} does not run a worker`];
      const consumed = [...queuesOf(worker)].sort();
      for (const trigger of spec.triggers) {
        if (trigger.type !== 'prometheus') continue;
        const { query = '', threshold = '' } = trigger.metadata;
        const named = queuesInQuery(query);
        const unknown = named.filter((key) => !(QUEUE_KEYS as string[]).includes(key));
        if (!query.includes('status_bridge_queue_jobs')) problems.push(`${of(scaledObject)}: the query does not read status_bridge_queue_jobs`);
        if (unknown.length > 0) problems.push(`${of(scaledObject)}: the query names ${unknown.join(', ')}, not queue keys (${QUEUE_KEYS.join(', ')})`);
        else if ([...named].sort().join(',') !== consumed.join(',')) {
          problems.push(`${of(scaledObject)}: the query counts queue(s) ${named.join(', ') || '(none)'} but ${of(target)} consumes ${consumed.join(', ')} (WORKER_QUEUES)`);
        }
        if (!/state="waiting"/.test(query)) problems.push(`${of(scaledObject)}: the query should count state="waiting" jobs only (delayed ones are backing off)`);
        if (!(Number(threshold) > 0)) problems.push(`${of(scaledObject)}: threshold "${threshold}" is not a positive number`);
      }
      return problems;
    });
}

function checkPodMonitors(objects: K8sObject[]): string[] {
  return objects
    .filter((object) => object.kind === 'PodMonitor')
    .flatMap((monitor) => {
      const spec = monitor.spec as { selector?: { matchLabels?: Labels }; podMetricsEndpoints?: Array<{ port?: string; path?: string }> };
      const targets = workloadsSelectedBy(objects, spec.selector?.matchLabels);
      if (targets.length === 0) return [`${of(monitor)}: its selector matches no pods`];
      const problems: string[] = [];
      for (const target of ourWorkloads(targets)) {
        const scraped = (spec.podMetricsEndpoints ?? []).filter((endpoint) => endpoint.port && hasContainerPort(target.object, endpoint.port));
        if (scraped.length === 0) problems.push(`${of(monitor)}: no endpoint matches a port of ${target.label}`);
        for (const endpoint of scraped) {
          if ((endpoint.path ?? '/metrics') !== HEALTH_PATHS.metrics) problems.push(`${of(monitor)}: path ${endpoint.path} is not ${HEALTH_PATHS.metrics}`);
        }
      }
      return problems;
    });
}

/** The in-cluster Redis example keeps what status-bridge relies on: AOF and noeviction. */
function checkRedisExamples(objects: K8sObject[]): string[] {
  return objects.flatMap((object) =>
    containersOf(object)
      .filter((container) => /^redis(:|$)/.test(String(container.image)))
      .flatMap((container) => {
        const args = [...(container.command ?? []), ...(container.args ?? [])].join(' ');
        const problems: string[] = [];
        if (!/--appendonly yes/.test(args)) problems.push(`${of(object)}: Redis runs without --appendonly yes (acknowledged events would not survive a restart)`);
        if (!/--maxmemory-policy noeviction/.test(args)) problems.push(`${of(object)}: Redis runs without --maxmemory-policy noeviction (an evicted job is a lost event)`);
        return problems;
      }),
  );
}

/** The Secret template holds names only: every value empty. */
export function checkSecretTemplate(secrets: K8sObject[]): string[] {
  return secrets.flatMap((secret) =>
    Object.entries({ ...((secret.data as Record<string, string>) ?? {}), ...((secret.stringData as Record<string, string>) ?? {}) })
      .filter(([, value]) => value !== '')
      .map(([key]) => `${of(secret)}: key ${key} has a value; the template must hold none`),
  );
}
