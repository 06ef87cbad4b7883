import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { REPO_ROOT } from '@status-bridge/testing';
import { createWorkerMetrics } from '../src/metrics';
import { registerQueueMetrics } from '@status-bridge/core';
import { createIngestMetrics } from '../../ingest/src/metrics';

/**
 * The Grafana dashboard and the alert rules in deploy/ query only series our processes export,
 * with labels those series have: a renamed metric or label fails here, not silently in Grafana.
 */
function exportedSeries(): Map<string, Set<string>> {
  const queueRegistry = new Registry();
  registerQueueMetrics(queueRegistry, {});
  const registries = [createWorkerMetrics().registry, createIngestMetrics().registry, queueRegistry];
  const series = new Map<string, Set<string>>();
  for (const registry of registries) {
    for (const metric of registry.getMetricsAsArray()) {
      const { name, labelNames = [] } = metric as unknown as { name: string; labelNames?: string[] };
      if (!name.startsWith('status_bridge_')) continue;
      const labels = new Set([...labelNames, 'service', 'instance', 'job']);
      const type = (metric as unknown as { type?: string }).type ?? (metric.constructor.name === 'Histogram' ? 'histogram' : '');
      if (metric.constructor.name === 'Histogram' || type === 'histogram') {
        series.set(`${name}_bucket`, new Set([...labels, 'le']));
        series.set(`${name}_sum`, labels);
        series.set(`${name}_count`, labels);
      } else {
        series.set(name, labels);
      }
    }
  }
  return series;
}

function grafanaExpressions(): string[] {
  const dashboard = JSON.parse(readFileSync(join(REPO_ROOT, 'deploy/grafana/status-bridge.json'), 'utf8')) as {
    panels: Array<{ type: string; targets?: Array<{ expr: string }> }>;
    templating: { list: Array<{ definition?: string }> };
  };
  return [
    ...dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr)),
    ...dashboard.templating.list.flatMap((variable) => (variable.definition ? [variable.definition] : [])),
  ];
}

/** `expr:` values of deploy/prometheus/alerts.yml, inline or as a `|` block. */
function alertExpressions(): string[] {
  const lines = readFileSync(join(REPO_ROOT, 'deploy/prometheus/alerts.yml'), 'utf8').split('\n');
  const expressions: string[] = [];
  lines.forEach((line, index) => {
    const match = /^(\s*)expr:\s*(.*)$/.exec(line);
    if (!match) return;
    if (match[2] !== '|') return void expressions.push(match[2]);
    const block: string[] = [];
    for (let next = index + 1; next < lines.length && (lines[next].trim() === '' || lines[next].search(/\S/) > match[1].length); next += 1) block.push(lines[next].trim());
    expressions.push(block.join(' '));
  });
  return expressions;
}

/** Problems with one PromQL expression: unknown series, or labels the series it uses do not have. */
function problemsOf(expression: string, series: Map<string, Set<string>>): string[] {
  const problems: string[] = [];
  const used = [...expression.matchAll(/(status_bridge_[a-z_]+)(\{([^}]*)\})?/g)];
  const labelsOfUsed = new Set<string>();
  for (const [, name, , matchers] of used) {
    const labels = series.get(name);
    if (!labels) {
      problems.push(`unknown series ${name}`);
      continue;
    }
    labels.forEach((label) => labelsOfUsed.add(label));
    for (const [, label] of (matchers ?? '').matchAll(/([a-z_]+)\s*(=~|!~|!=|=)/g)) {
      if (!labels.has(label)) problems.push(`${name} has no label "${label}"`);
    }
  }
  for (const [, grouping] of expression.matchAll(/\bby \(([^)]*)\)/g)) {
    for (const label of grouping.split(',').map((part) => part.trim()).filter(Boolean)) {
      if (!labelsOfUsed.has(label)) problems.push(`grouping by "${label}", which none of its series has`);
    }
  }
  return problems;
}

const series = exportedSeries();

test('the exported series include the ones the operators contract names', () => {
  for (const name of ['status_bridge_queue_jobs', 'status_bridge_queue_counts_up', 'status_bridge_jobs_total', 'status_bridge_deliveries_total', 'status_bridge_jobs_exhausted_total', 'status_bridge_delivery_latency_seconds_bucket', 'status_bridge_job_duration_seconds_bucket']) {
    expect(series.has(name)).toBe(true);
  }
});

test('the checker itself catches a wrong series and a wrong label', () => {
  expect(problemsOf('sum by (queue) (rate(status_bridge_jobs_totals[5m]))', series)).toContain('unknown series status_bridge_jobs_totals');
  expect(problemsOf('sum by (partner) (rate(status_bridge_jobs_total{outcome="failed"}[5m]))', series)).toContain('grouping by "partner", which none of its series has');
  expect(problemsOf('status_bridge_queue_jobs{status="failed"}', series)).toContain('status_bridge_queue_jobs has no label "status"');
});

test.each(grafanaExpressions().map((expression) => [expression]))('Grafana: %s', (expression) => {
  expect(expression).toMatch(/status_bridge_/);
  expect(problemsOf(expression, series)).toEqual([]);
});

test.each(alertExpressions().map((expression) => [expression]))('alert rule: %s', (expression) => {
  expect(expression).toMatch(/status_bridge_/);
  expect(problemsOf(expression, series)).toEqual([]);
});

test('every Grafana panel and every alert rule was found', () => {
  expect(grafanaExpressions().length).toBeGreaterThanOrEqual(15);
  expect(alertExpressions()).toHaveLength(6);
});
