import http from 'node:http';
import mongoose from 'mongoose';
import { z } from 'zod';
import { listen } from './http-server';
import { ApiRouter } from './lib/api-router';
import { createLogger } from './lib/logger';
import { createTestApp } from './testing/test-app';
import { useTestDatabase } from './testing/test-database';

useTestDatabase();

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (response) => {
        let body = '';
        response.on('data', (chunk) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('graceful shutdown', () => {
  it('finishes the in-flight request, refuses new ones, then closes the database', async () => {
    const events: string[] = [];
    let markStarted: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (markStarted = resolve));
    const slow = new ApiRouter('/test').route({
      method: 'get',
      path: '/slow',
      summary: 'takes a while',
      response: z.object({ done: z.boolean() }),
      handler: async ({ res }) => {
        res.on('finish', () => events.push('response sent'));
        markStarted();
        await new Promise((resolve) => setTimeout(resolve, 400));
        return { done: true };
      },
    });
    const running = await listen(createTestApp({ routers: [slow] }), {
      host: '127.0.0.1',
      port: 0,
      timeoutMs: 5000,
      logger: createLogger('silent'),
      onClosed: async () => {
        events.push('database closed');
      },
    });

    const inFlight = get(running.port, '/test/slow');
    await started;
    const shutdown = running.shutdown();
    await expect(get(running.port, '/healthz')).rejects.toThrow(/ECONNREFUSED/);
    const response = await inFlight;
    await shutdown;

    expect(response).toEqual({ status: 200, body: JSON.stringify({ done: true }) });
    expect(events).toEqual(['response sent', 'database closed']);
    expect(mongoose.connection.readyState).toBe(1);
  });
});
