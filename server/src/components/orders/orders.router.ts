import { createHmac, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { z } from 'zod';
import { ORDER_SIGNATURE_HEADER, ORDER_TIMESTAMP_HEADER, signedPrefix, verifyOrderSignature } from '@o2o/shared/rules/order-signature';
import { myOrderSchema, myOrdersQuerySchema, orderListQuerySchema, orderSchema, orderWebhookResultSchema, orderWebhookSchema } from '@o2o/shared/schemas/orders';
import type { Config } from '../../config/config';
import type { Services } from '../../services';
import { ApiRouter } from '../../lib/api-router';
import { AppError } from '../../lib/app-error';
import { residentIdOf, staffOf } from '../auth/auth.guard';
import { OrderService } from './orders.service';

/**
 * Lets through only deliveries signed by the order system: HMAC-SHA256 of `${X-Timestamp}.${raw body}`
 * with the shared secret, compared in constant time, and a timestamp within the allowed skew.
 */
export function orderWebhookGuard(config: Pick<Config, 'ORDER_WEBHOOK_SECRET' | 'ORDER_WEBHOOK_MAX_SKEW_SECONDS'>, clock: () => number = Date.now): RequestHandler {
  return (req, _res, next) => {
    const rawBody = (req as { rawBody?: Buffer }).rawBody ?? Buffer.alloc(0);
    const verdict = verifyOrderSignature({
      signature: req.header(ORDER_SIGNATURE_HEADER),
      timestamp: req.header(ORDER_TIMESTAMP_HEADER),
      nowSeconds: Math.floor(clock() / 1000),
      maxSkewSeconds: config.ORDER_WEBHOOK_MAX_SKEW_SECONDS,
      expectedSignature: (timestamp) => createHmac('sha256', config.ORDER_WEBHOOK_SECRET).update(signedPrefix(timestamp)).update(rawBody).digest('hex'),
      // Both are 64 hex characters by now (the rule checks the given one's format first).
      equal: (expected, given) => timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(given, 'hex')),
    });
    next(verdict.ok ? undefined : new AppError(verdict.code, verdict.message, 401));
  };
}

export function ordersRouter(services: Services): ApiRouter {
  const { guards, config } = services;
  const { orders } = services;
  const tags = ['orders'];
  return new ApiRouter('/orders')
    .route({
      method: 'post', path: '/webhook',
      summary: 'A status event from the O2O order system (signed); redeliveries and out-of-order events are safe',
      description:
        'Headers: X-Timestamp (unix seconds) and X-Signature (hex HMAC-SHA256 of `${X-Timestamp}.${raw body}` with ORDER_WEBHOOK_SECRET). ' +
        '401 WEBHOOK_SIGNATURE_MISSING, WEBHOOK_STALE or WEBHOOK_BAD_SIGNATURE when the signature does not hold; 409 WEBHOOK_EVENT_CONFLICT when an eventId comes again with another body. ' +
        'Answers 200, or 202 with `matched: false` when the resident is not registered (the order is kept without a resident).',
      tags, errors: [401, 409, 503],
      guards: [orderWebhookGuard(config)], body: orderWebhookSchema, response: orderWebhookResultSchema,
      handler: async ({ body, res }) => {
        const result = await orders.receive(body);
        if (!result.matched) res.status(202).json(result);
        return result;
      },
    })
    .route({
      method: 'get', path: '/me', summary: 'My latest orders with their state (已支付/已完成/已取消/已退款) and the points each earned, newest first', tags,
      guards: guards.resident, authenticated: true, query: myOrdersQuerySchema, response: z.array(myOrderSchema),
      handler: async ({ query, req }) => orders.listMine(residentIdOf(req), query.limit),
    })
    .route({
      method: 'get', path: '', summary: 'Orders in your scope, newest first (an advisor: their residents; a manager: their store; city ops: their city)', tags, errors: [404],
      guards: guards.staff(), authenticated: true, query: orderListQuerySchema, response: z.array(orderSchema),
      handler: async ({ query, req }) => orders.listForStaff(staffOf(req), query),
    });
}
