import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { checkKustomizationShape, podContainers, readKustomization, readYamlDocuments, renderKustomization, type K8sObject, type Kustomization } from './kubernetes/kustomize';
import type { Container } from './kubernetes/pod-env';
import { schemaProblem } from './kubernetes/schemas';
import { checkTenantsFile, checkWorkloads } from './kubernetes/workload-checks';
import { checkSecretTemplate, checkWiring } from './kubernetes/wiring-checks';

// deploy/kubernetes, validated offline: every document against its Kubernetes schema, then the
// rendered overlay against what our processes really do (their env schemas and loaders, the paths
// and ports they serve, their shutdown bound) and against each other (Services, budgets, Ingress,
// KEDA, PodMonitor). No cluster, no kustomize binary.
const KUBERNETES_DIR = join(__dirname, '..', 'deploy', 'kubernetes');
const EXAMPLE_DIR = join(KUBERNETES_DIR, 'overlays', 'example');
const COMPONENTS_DIR = join(KUBERNETES_DIR, 'components');
const SECRETS_TEMPLATE = join(KUBERNETES_DIR, 'secrets.example.yaml');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(entry.name) ? [path] : [];
  });
}

const secretsTemplate = (): K8sObject[] => readYamlDocuments(SECRETS_TEMPLATE) as K8sObject[];

/** The example overlay as `kubectl apply -k` would send it, plus the Secrets the operator creates. */
function renderExample(): K8sObject[] {
  return [...renderKustomization(EXAMPLE_DIR), ...secretsTemplate()];
}

/** The example overlay with every component, including those it leaves commented out. */
function renderWithEveryComponent(): K8sObject[] {
  const components = readdirSync(COMPONENTS_DIR).map((name) => relative(EXAMPLE_DIR, join(COMPONENTS_DIR, name)));
  const kustomization: Kustomization = { ...readKustomization(EXAMPLE_DIR), components };
  return [...renderKustomization(EXAMPLE_DIR, kustomization), ...secretsTemplate()];
}

// Rendered once; each broken-manifest case works on its own copy.
let everyComponent: K8sObject[] | undefined;
const copyOfEveryComponent = (): K8sObject[] => structuredClone((everyComponent ??= renderWithEveryComponent()));

const allChecks = (objects: K8sObject[]): string[] => [...checkWorkloads(objects), ...checkWiring(objects)];

function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const object = objects.find((candidate) => candidate.kind === kind && candidate.metadata.name === name);
  if (!object) throw new Error(`${kind}/${name} not rendered`);
  return object;
}

function podSpec(objects: K8sObject[], deployment: string): Record<string, unknown> {
  return (find(objects, 'Deployment', deployment).spec as { template: { spec: Record<string, unknown> } }).template.spec;
}

function container(objects: K8sObject[], deployment: string): Container {
  return (podSpec(objects, deployment).containers as Container[])[0];
}

function setEnv(target: Container, name: string, value: string): void {
  const entry = target.env?.find((candidate) => candidate.name === name);
  if (entry) entry.value = value;
  else (target.env ??= []).push({ name, value });
}

describe('deploy/kubernetes', () => {
  it('parses every YAML document, and each object validates against the schema of its kind', () => {
    const problems: string[] = [];
    let objects = 0;
    for (const file of yamlFiles(KUBERNETES_DIR)) {
      for (const document of readYamlDocuments(file) as K8sObject[]) {
        const where = relative(KUBERNETES_DIR, file);
        if (document.kind === 'Kustomization' || document.kind === 'Component') {
          checkKustomizationShape(document as unknown as Kustomization, where);
          continue;
        }
        objects += 1;
        const problem = schemaProblem(document);
        if (problem) problems.push(`${where} ${document.kind}/${document.metadata?.name}: ${problem}`);
      }
    }
    expect(problems).toEqual([]);
    expect(objects).toBeGreaterThanOrEqual(20);
  });

  it('renders the example overlay: every process, its Services, budgets, Ingress and ScaledObjects', () => {
    const rendered = renderKustomization(EXAMPLE_DIR);
    expect(rendered.map((object) => `${object.kind}/${object.metadata.name}`).sort()).toEqual(
      [
        'ConfigMap/status-bridge-common',
        'ConfigMap/status-bridge-tenants',
        'ConfigMap/status-bridge-worker',
        'Deployment/status-bridge-dashboard',
        'Deployment/status-bridge-ingest',
        'Deployment/status-bridge-worker-deliver',
        'Deployment/status-bridge-worker-enrich',
        'Ingress/status-bridge-ingest',
        'Namespace/status-bridge',
        'PodDisruptionBudget/status-bridge-ingest',
        'PodDisruptionBudget/status-bridge-worker-deliver',
        'PodDisruptionBudget/status-bridge-worker-enrich',
        'ScaledObject/status-bridge-worker-deliver',
        'ScaledObject/status-bridge-worker-enrich',
        'Service/status-bridge-dashboard',
        'Service/status-bridge-ingest',
        'ServiceAccount/status-bridge',
      ].sort(),
    );
    expect(rendered.filter((object) => object.kind !== 'Namespace').every((object) => object.metadata.namespace === 'status-bridge')).toBe(true);
    // Every container runs the image the overlay names, not the base's placeholder.
    expect(new Set(podContainers(rendered).map((entry) => entry.image))).toEqual(new Set(['registry.example.com/status-bridge:0.1.0']));
    // And what the transformers produced is still valid.
    const problems = rendered.flatMap((object) => {
      const problem = schemaProblem(object);
      return problem ? [`${object.kind}/${object.metadata.name}: ${problem}`] : [];
    });
    expect(problems).toEqual([]);
  });

  it('the example overlay passes every check of processes, env, probes, shutdown, security and wiring', () => {
    expect(allChecks(renderExample())).toEqual([]);
  });

  it('so does the overlay with every component (PodMonitor, in-cluster Redis example)', () => {
    expect(allChecks(copyOfEveryComponent())).toEqual([]);
  });

  it('the Secret template names the keys and holds no value', () => {
    expect(checkSecretTemplate(secretsTemplate())).toEqual([]);
    const broken = secretsTemplate();
    (find(broken, 'Secret', 'status-bridge-dashboard').stringData as Record<string, string>).DASHBOARD_PASSWORD = 'hunter2hunter2';
    expect(checkSecretTemplate(broken)).toEqual(['Secret/status-bridge-dashboard: key DASHBOARD_PASSWORD has a value; the template must hold none']);
  });

  it('the tenants file of the example validates against the tenants schema', () => {
    expect(checkTenantsFile(readFileSync(join(EXAMPLE_DIR, 'tenants.json'), 'utf8'), 'overlays/example/tenants.json')).toEqual([]);
    expect(checkTenantsFile('{"tenants":{"1234":{}}}', 'broken')).toEqual([expect.stringContaining("must have required property 'statusMapping'")]);
  });

  it('the schemas reject a malformed object', () => {
    const broken = renderExample();
    (container(broken, 'status-bridge-ingest').ports as unknown as Array<Record<string, unknown>>)[0].containerPort = '3000';
    expect(schemaProblem(find(broken, 'Deployment', 'status-bridge-ingest'))).toMatch(/containerPort must be integer/);
    const scaled = find(broken, 'ScaledObject', 'status-bridge-worker-enrich');
    (scaled.spec as { triggers: Array<{ metadata: Record<string, unknown> }> }).triggers[0].metadata.threshold = 100;
    expect(schemaProblem(scaled)).toMatch(/threshold must be string/);
  });

  // Each row breaks one thing in a copy of the rendered manifests; the checks must say so.
  const brokenManifests: Array<[string, (objects: K8sObject[]) => void, RegExp]> = [
    ['readiness probe on the wrong port', (o) => ((container(o, 'status-bridge-ingest').readinessProbe as { httpGet: { port: unknown } }).httpGet.port = 3001), /ingest container ingest: readinessProbe port is 3001, but the ingest listens on 3000 \(PORT\)/],
    ['probe port and PORT disagree', (o) => setEnv(container(o, 'status-bridge-ingest'), 'PORT', '8080'), /no containerPort 8080 \(PORT\) declared/],
    ['liveness probe that follows Redis', (o) => ((container(o, 'status-bridge-worker-enrich').livenessProbe as { httpGet: { path: string } }).httpGet.path = '/readyz'), /livenessProbe path is \/readyz, the worker serves \/healthz/],
    ['probe of a path nobody serves', (o) => ((container(o, 'status-bridge-dashboard').readinessProbe as { httpGet: { path: string } }).httpGet.path = '/ready'), /readinessProbe path is \/ready, the dashboard serves \/readyz/],
    ['grace period shorter than preStop + SHUTDOWN_TIMEOUT_MS', (o) => (podSpec(o, 'status-bridge-ingest').terminationGracePeriodSeconds = 30), /terminationGracePeriodSeconds 30 s is too short: preStop 10 s \+ SHUTDOWN_TIMEOUT_MS 20 s \+ 5 s margin needs 35 s/],
    ['SHUTDOWN_TIMEOUT_MS raised in the ConfigMap alone', (o) => ((find(o, 'ConfigMap', 'status-bridge-common').data as Record<string, string>).SHUTDOWN_TIMEOUT_MS = '60000'), /worker-enrich container worker: terminationGracePeriodSeconds 35 s is too short/],
    ['ingest without a preStop sleep', (o) => delete container(o, 'status-bridge-ingest').lifecycle, /the ingest needs a preStop sleep of at least 5 s/],
    ['required variable missing', (o) => (container(o, 'status-bridge-worker-deliver').env = container(o, 'status-bridge-worker-deliver').env?.filter((entry) => entry.name !== 'CONFIG_FILE')), /worker-deliver container worker: CONFIG_FILE is required by the worker \(its env schema\) but not set/],
    ['Secret of a required variable not mounted', (o) => (container(o, 'status-bridge-dashboard').envFrom = container(o, 'status-bridge-dashboard').envFrom?.filter((source) => source.secretRef?.name !== 'status-bridge-dashboard')), /DASHBOARD_PASSWORD is required by the dashboard/],
    ['no Redis location', (o) => (container(o, 'status-bridge-ingest').envFrom = container(o, 'status-bridge-ingest').envFrom?.filter((source) => source.secretRef?.name !== 'status-bridge-redis')), /none of REDIS_URL is set/],
    ['misspelt variable', (o) => setEnv(container(o, 'status-bridge-worker-enrich'), 'WORKER_CONCURENCY_ENRICH', '20'), /WORKER_CONCURENCY_ENRICH \(from env\) is not a variable the worker reads/],
    ['another process’s variable', (o) => setEnv(container(o, 'status-bridge-ingest'), 'WORKER_QUEUES', 'all'), /ingest container ingest: WORKER_QUEUES \(from env\) is not a variable the ingest reads/],
    ['invalid value the process refuses', (o) => setEnv(container(o, 'status-bridge-dashboard'), 'DASHBOARD_ALLOW_RETRY', 'maybe'), /the dashboard would refuse to start: .*DASHBOARD_ALLOW_RETRY must be boolean/],
    ['unknown queue in WORKER_QUEUES', (o) => setEnv(container(o, 'status-bridge-worker-deliver'), 'WORKER_QUEUES', 'stepstone,linkedin'), /WORKER_QUEUES: unknown queue\(s\) linkedin; known: enrich, stepstone, seek/],
    ['a queue no worker consumes', (o) => setEnv(container(o, 'status-bridge-worker-deliver'), 'WORKER_QUEUES', 'stepstone'), /no worker consumes queue\(s\) seek/],
    ['tenants file the schema refuses', (o) => ((find(o, 'ConfigMap', 'status-bridge-tenants').data as Record<string, string>)['tenants.json'] = '{"tenants":{"1234":{"statusMapping":{"9782":"interviewing"}}}}'), /tenants file: CONFIG_FILE: ConfigMap status-bridge-tenants key tenants.json is invalid: \/tenants\/1234\/statusMapping\/9782 must be equal to one of the allowed values/],
    ['tenants secret in no Secret', (o) => delete (find(o, 'Secret', 'status-bridge-worker').stringData as Record<string, string>).TENANT_1234_STEPSTONE_TOKEN, /the worker would refuse to start: Missing secrets referenced by \/etc\/status-bridge\/tenants.json: TENANT_1234_STEPSTONE_TOKEN/],
    ['CONFIG_FILE outside the tenants mount', (o) => setEnv(container(o, 'status-bridge-ingest'), 'CONFIG_FILE', '/app/config/tenants.json'), /CONFIG_FILE: \/app\/config\/tenants.json is not inside any volume mount/],
    ['envFrom of a ConfigMap that does not exist', (o) => container(o, 'status-bridge-worker-enrich').envFrom?.push({ configMapRef: { name: 'status-bridge-wroker' } }), /envFrom names ConfigMap status-bridge-wroker, which is not defined/],
    ['read-only root without a writable /tmp', (o) => (container(o, 'status-bridge-dashboard').volumeMounts = []), /read-only root filesystem without a writable emptyDir at \/tmp/],
    ['running as root', (o) => ((podSpec(o, 'status-bridge-worker-enrich').securityContext as Record<string, unknown>).runAsUser = 0), /runAsUser is 0/],
    ['listening on loopback', (o) => setEnv(container(o, 'status-bridge-ingest'), 'HOST', '127.0.0.1'), /HOST=127.0.0.1: the kubelet probes the pod IP/],
    ['heap limit above the memory limit', (o) => setEnv(container(o, 'status-bridge-dashboard'), 'NODE_OPTIONS', '--max-old-space-size=1024'), /--max-old-space-size=1024 MiB is not below the memory limit 320Mi/],
    ['scrape annotation on the wrong port', (o) => ((find(o, 'Deployment', 'status-bridge-worker-deliver').spec as { template: { metadata: { annotations: Record<string, string> } } }).template.metadata.annotations['prometheus.io/port'] = '3000'), /prometheus.io\/port is 3000, but \/metrics is on 9464/],
    ['Service targetPort that no container has', (o) => ((find(o, 'Service', 'status-bridge-ingest').spec as { ports: Array<{ targetPort: string }> }).ports[0].targetPort = 'htp'), /Service\/status-bridge-ingest: targetPort htp is not a port of Deployment\/status-bridge-ingest/],
    ['budget that blocks every drain', (o) => ((find(o, 'PodDisruptionBudget', 'status-bridge-ingest').spec as Record<string, unknown>).minAvailable = 2), /minAvailable 2 with 2 replicas of Deployment\/status-bridge-ingest blocks every node drain/],
    ['Ingress that makes /metrics public', (o) => ((find(o, 'Ingress', 'status-bridge-ingest').spec as { rules: Array<{ http: { paths: Array<{ path: string; pathType: string }> } }> }).rules[0].http.paths[0] = { ...(find(o, 'Ingress', 'status-bridge-ingest').spec as { rules: Array<{ http: { paths: Array<{ path: string; pathType: string }> } }> }).rules[0].http.paths[0], path: '/', pathType: 'Prefix' }), /path \/ \(Prefix\) makes \/metrics public/],
    ['KEDA query for a queue the target does not consume', (o) => {
      const trigger = (find(o, 'ScaledObject', 'status-bridge-worker-enrich').spec as { triggers: Array<{ metadata: Record<string, string> }> }).triggers[0];
      trigger.metadata.query = trigger.metadata.query.replace('queue="enrich"', 'queue="stepstone"');
    }, /ScaledObject\/status-bridge-worker-enrich: the query counts queue\(s\) stepstone but Deployment\/status-bridge-worker-enrich consumes enrich/],
    ['KEDA query on the Redis queue name instead of the key', (o) => {
      const trigger = (find(o, 'ScaledObject', 'status-bridge-worker-deliver').spec as { triggers: Array<{ metadata: Record<string, string> }> }).triggers[0];
      trigger.metadata.query = trigger.metadata.query.replace('stepstone|seek', 'deliver-stepstone|deliver-seek');
    }, /the query names deliver-stepstone, deliver-seek, not queue keys/],
    ['KEDA next to a fixed replica count', (o) => ((find(o, 'Deployment', 'status-bridge-worker-enrich').spec as Record<string, unknown>).replicas = 2), /Deployment\/status-bridge-worker-enrich still sets replicas, which KEDA owns/],
    ['Redis example without noeviction', (o) => {
      const redis = (find(o, 'StatefulSet', 'status-bridge-redis').spec as { template: { spec: { containers: Container[] } } }).template.spec.containers[0];
      redis.args = redis.args?.map((arg) => (arg === 'noeviction' ? 'allkeys-lru' : arg));
    }, /Redis runs without --maxmemory-policy noeviction/],
  ];

  it.each(brokenManifests)('the checks report %s', (_case, breakIt, expected) => {
    const objects = copyOfEveryComponent();
    breakIt(objects);
    const problems = allChecks(objects);
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
  });

  // Our renderer covers only the kustomize features deploy/kubernetes uses; where kubectl is
  // installed, its rendering must agree (generated ConfigMap names compared without kustomize's hash).
  const kubectl = (() => {
    try {
      execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  (kubectl ? it : it.skip)('renders what `kubectl kustomize` renders', () => {
    const text = execFileSync('kubectl', ['kustomize', EXAMPLE_DIR], { encoding: 'utf8' }).replace(/\b(status-bridge-tenants)-[a-z0-9]{10}\b/g, '$1');
    const theirs = parseAllDocuments(text).map((document) => document.toJS() as K8sObject);
    const key = (object: K8sObject): string => `${object.kind}/${object.metadata.name}`;
    const sorted = (objects: K8sObject[]): K8sObject[] => [...objects].sort((a, b) => key(a).localeCompare(key(b)));
    expect(sorted(renderKustomization(EXAMPLE_DIR))).toEqual(sorted(theirs));
  });
});
