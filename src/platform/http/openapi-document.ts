// Two corrections to the document @fastify/swagger builds from the zod schemas, so that it describes the
// wire exactly (schemathesis checks every response against it):
// - a 204 carries no body, but `z.null()` becomes a JSON content entry;
// - errors are always JSON, also on the routes whose success is a stream or JSON Lines (`produces`).

/** The part of an OpenAPI 3.x document these corrections read: the same in 3.0, 3.1 and 3.2. */
type Responses = Record<string, { content?: Record<string, { schema?: unknown }> } | undefined>;
type Paths = Record<string, Record<string, { responses?: Responses } | undefined> | undefined>;

export function correctOpenApiDocument<T extends { paths?: unknown }>({
  openapiObject,
}: {
  openapiObject: T;
}): T {
  for (const operations of Object.values((openapiObject.paths ?? {}) as Paths)) {
    for (const operation of Object.values(operations ?? {})) {
      if (!operation || typeof operation !== 'object' || !operation.responses) continue;
      for (const [status, response] of Object.entries(operation.responses)) {
        if (!response) continue;
        if (status === '204') {
          delete response.content;
          continue;
        }
        const content = response.content;
        if (Number(status) >= 400 && content && !content['application/json']) {
          const schema = Object.values(content)[0]?.schema;
          response.content = { 'application/json': { ...(schema ? { schema } : {}) } };
        }
      }
    }
  }
  return openapiObject;
}
