import { z } from 'zod';
import { errorBodySchema } from '@o2o/shared/schemas/common';
import type { RegisteredRoute } from './api-router';

type JsonSchema = Record<string, unknown>;

function toJsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const json = z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' }) as JsonSchema;
  delete json.$schema;
  return json;
}

function parameters(schema: z.ZodType | undefined, location: 'path' | 'query'): JsonSchema[] {
  if (!schema) return [];
  const json = toJsonSchema(schema, 'input');
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || required.has(name),
    ...(property.description ? { description: property.description } : {}),
    schema: property,
  }));
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Invalid input (details lists each field path)',
  405: 'Method not allowed on this path',
  401: 'Not signed in',
  403: 'Role or scope does not allow this',
  404: 'Not found',
  409: 'Conflicts with the current state',
  413: 'Body too large',
  415: 'Unsupported content type',
  429: 'Too many requests',
  500: 'Internal error',
  502: 'An upstream service failed',
  503: 'A dependency is unavailable',
};

/** Builds the OpenAPI 3 document from the same route table that serves requests. */
export function buildOpenApiDocument(routes: RegisteredRoute[], info: { title: string; version: string }): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const { method, fullPath, definition } of routes) {
    const openApiPath = fullPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    // Statuses any such route can answer: a path id that names nothing (404), a body too large or of
    // the wrong type (413, 415), besides what the route declares.
    const errorStatuses = [...new Set([
      400, 429, 500,
      ...(definition.errors ?? []),
      ...(definition.authenticated ? [401, 403] : []),
      ...(definition.params ? [404] : []),
      ...(definition.body ? [413, 415] : []),
    ])].sort();
    const successContent = definition.responseContentType
      ? { [definition.responseContentType]: { schema: { type: 'string', format: 'binary' } } }
      : { 'application/json': { schema: toJsonSchema(definition.response, 'output') } };
    const responses: Record<string, unknown> = {
      [String(definition.status ?? 200)]: {
        description: 'Success',
        ...(definition.status === 204 ? {} : { content: successContent }),
      },
    };
    for (const status of errorStatuses) {
      responses[String(status)] = {
        description: STATUS_TEXT[status] ?? 'Error',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } },
      };
    }
    paths[openApiPath] ??= {};
    paths[openApiPath][method] = {
      summary: definition.summary,
      ...(definition.description ? { description: definition.description } : {}),
      tags: definition.tags ?? [],
      parameters: [...parameters(definition.params, 'path'), ...parameters(definition.query, 'query')],
      ...(definition.body
        ? {
            requestBody: {
              required: true,
              content: { [definition.bodyContentType ?? 'application/json']: { schema: toJsonSchema(definition.body, 'input') } },
            },
          }
        : {}),
      ...(definition.authenticated ? { security: [{ bearerAuth: [] }] } : {}),
      responses,
    };
  }
  return {
    openapi: '3.0.3',
    info,
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } },
      schemas: { ErrorBody: toJsonSchema(errorBodySchema, 'output') },
    },
  };
}
