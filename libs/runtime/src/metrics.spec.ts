import { createServer } from 'node:http';
import { MetricsServer, ServiceMetrics } from './metrics';
import { sampleValue } from '@closeloop/testing';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('metrics endpoint', () => {
  it('serves the registry on METRICS_PORT at /metrics only, and nothing when the port is 0', async () => {
    const metrics = new ServiceMetrics('unit');
    metrics.rpcAnswered('getTicket', 'refused', 0.004);
    metrics.eventSettled('routing-feedback', 'feedback.received.v1', 'dead_lettered');
    const port = await freePort();
    const server = new MetricsServer(metrics, port);
    await server.onApplicationBootstrap();
    try {
      const response = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/plain');
      const text = await response.text();
      expect(
        sampleValue(text, 'closeloop_rpc_duration_seconds_count', {
          service: 'unit',
          method: 'getTicket',
          outcome: 'refused',
        }),
      ).toBe(1);
      expect(
        sampleValue(text, 'closeloop_events_settled_total', {
          consumer: 'routing-feedback',
          type: 'feedback.received.v1',
          outcome: 'dead_lettered',
        }),
      ).toBe(1);
      expect(sampleValue(text, 'closeloop_events_settled_total', { outcome: 'handled' })).toBeUndefined();
      expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
    } finally {
      await server.onApplicationShutdown();
    }
    const off = new MetricsServer(new ServiceMetrics('off'), 0);
    await off.onApplicationBootstrap();
    await off.onApplicationShutdown();
  });
});
