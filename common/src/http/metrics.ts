import { collectDefaultMetrics, Histogram, register } from 'prom-client';

let defaultsCollected = false;

/** Process metrics (CPU, memory, event loop lag, GC) once per process, labelled with the service. */
export function initMetrics(service: string): void {
  if (defaultsCollected) return;
  register.setDefaultLabels({ service });
  collectDefaultMetrics();
  defaultsCollected = true;
}

export const httpDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP request duration by route, method and status',
  labelNames: ['route', 'method', 'status'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
});

export async function metricsText(): Promise<{ contentType: string; body: string }> {
  return { contentType: register.contentType, body: await register.metrics() };
}
