/** Health, readiness and Prometheus metrics. */
import { z } from 'zod';
import type { App, AppContext } from '../context.ts';
import { errorBody } from '../errors.ts';
import { errorSchema } from '../schemas.ts';

export function registerOperationRoutes(app: App, ctx: AppContext, ping: () => Promise<void>): void {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['operations'],
        summary: 'The process is up',
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        summary: 'The database answers',
        response: { 200: z.object({ status: z.literal('ready'), database: z.string() }), 503: errorSchema },
      },
    },
    async (request, reply) => {
      try {
        await ping();
      } catch (err) {
        request.log.warn({ err }, 'readiness check failed');
        return reply.status(503).send(errorBody('service_unavailable', 'The database does not answer'));
      }
      return { status: 'ready' as const, database: ctx.store.engine };
    },
  );

  app.get(
    '/metrics',
    { schema: { tags: ['operations'], summary: 'Prometheus metrics' } },
    async (_request, reply) => {
      reply.header('content-type', ctx.metrics.registry.contentType);
      return ctx.metrics.registry.metrics();
    },
  );
}
