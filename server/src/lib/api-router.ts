import express, { type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { AppError } from './app-error';
import { fromZod } from './error-handler';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type AnyObject = z.ZodType<Record<string, unknown>>;

export interface HandlerInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  req: Request;
  res: Response;
}

/** One row of the API table: the same zod schemas validate requests and generate /openapi.json. */
export interface RouteDefinition<P extends AnyObject, Q extends AnyObject, B extends z.ZodType, R extends z.ZodType> {
  method: Method;
  /** Express-style path relative to the router's prefix, e.g. `/stores/:storeId`. */
  path: string;
  summary: string;
  description?: string;
  tags?: string[];
  params?: P;
  query?: Q;
  body?: B;
  response: R;
  /** Success status; 200 unless given. */
  status?: number;
  /** Authentication and authorisation middlewares, run before validation. */
  guards?: RequestHandler[];
  /** Documents that the route needs a bearer token. */
  authenticated?: boolean;
  /** Error statuses worth documenting beyond 400/500. */
  errors?: number[];
  /** Request content type when not JSON (e.g. text/csv). */
  bodyContentType?: string;
  /** Success content type when not JSON (e.g. image/png): the handler writes the body itself. */
  responseContentType?: string;
  handler: (input: HandlerInput<z.output<P>, z.output<Q>, z.output<B>>) => Promise<z.input<R>> | z.input<R>;
}

export interface RegisteredRoute {
  method: Method;
  fullPath: string;
  definition: RouteDefinition<AnyObject, AnyObject, z.ZodType, z.ZodType>;
}

function parseOrThrow<T extends z.ZodType>(schema: T | undefined, value: unknown, where: string): z.output<T> | undefined {
  if (!schema) return undefined;
  const result = schema.safeParse(value);
  if (!result.success) throw fromZod(result.error, where);
  return result.data;
}

/** An Express router whose routes are declared as data, so each is validated and documented once. */
export class ApiRouter {
  readonly router = express.Router();
  readonly routes: RegisteredRoute[] = [];

  constructor(readonly prefix: string = '') {}

  route<P extends AnyObject, Q extends AnyObject, B extends z.ZodType, R extends z.ZodType>(
    definition: RouteDefinition<P, Q, B, R>,
  ): this {
    const handle: RequestHandler = async (req, res) => {
      const params = parseOrThrow(definition.params, req.params, 'params');
      const query = parseOrThrow(definition.query, req.query, 'query');
      const body = parseOrThrow(definition.body, req.body, 'body');
      const result = await definition.handler({ params, query, body, req, res } as HandlerInput<
        z.output<P>,
        z.output<Q>,
        z.output<B>
      >);
      if (res.headersSent) return;
      if (req.app.locals.validateResponses) {
        const checked = definition.response.safeParse(result);
        if (!checked.success) {
          throw new AppError('INTERNAL', '服务器出了点问题，请稍后再试', 500, checked.error.issues);
        }
      }
      const status = definition.status ?? 200;
      if (status === 204) {
        res.status(204).end();
        return;
      }
      res.status(status).json(result);
    };
    this.router[definition.method](definition.path, ...(definition.guards ?? []), handle);
    this.routes.push({
      method: definition.method,
      fullPath: `${this.prefix}${definition.path}`,
      definition: definition as unknown as RegisteredRoute['definition'],
    });
    return this;
  }
}
