// Schemas shared by every route: the error body, for validation of our own replies and for the docs.
import { z } from 'zod';

export const errorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
    requestId: z.string().optional(),
  }),
});

export const errorResponses = {
  400: errorBodySchema,
  401: errorBodySchema,
  403: errorBodySchema,
  404: errorBodySchema,
  409: errorBodySchema,
  413: errorBodySchema,
  429: errorBodySchema,
  // Answered by the HTTP layer before any route (src/platform/http/client-errors.ts): a request line and
  // headers over 16 KB.
  431: errorBodySchema,
};

/** Every workspace-scoped route's path parameter; authentication resolves it (an id or a slug). */
export const workspaceParams = z.object({ workspaceId: z.string().min(1).max(100) });
