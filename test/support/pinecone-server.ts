// A local server that follows Pinecone's documented REST contract (API version 2025-10/2026-04) for one
// serverless index with the cosine metric: the control plane's describe-index (which gives the SDK the data
// plane host), and on the data plane upsert, query with metadata filters, fetch, list by id prefix
// (paginated), delete by ids or all, and describe_index_stats. `Api-Key` is checked on every call; errors
// use Pinecone's `{"error":{"code","message"},"status"}` shape. Search is exact, so results are the truth.
import { type ContractServer, cosine, startContractServer } from './contract-server.ts';

interface StoredVector {
  id: string;
  values: number[];
  metadata?: Record<string, unknown>;
}

export interface PineconeServer extends ContractServer {
  namespaces: Map<string, Map<string, StoredVector>>;
}

export async function startPineconeServer(options: {
  apiKey: string;
  index: string;
  dimension: number;
  listPageSize?: number;
}): Promise<PineconeServer> {
  const namespaces = new Map<string, Map<string, StoredVector>>();
  const spaceOf = (name: unknown) => {
    const key = typeof name === 'string' ? name : '';
    let space = namespaces.get(key);
    if (!space) {
      space = new Map();
      namespaces.set(key, space);
    }
    return space;
  };
  const error = (status: number, code: string, message: string) => ({
    status,
    body: { error: { code, message }, status },
  });
  const pageSize = options.listPageSize ?? 100;

  const server = await startContractServer((request) => {
    if (request.headers['api-key'] !== options.apiKey) {
      return error(401, 'UNAUTHENTICATED', 'Invalid API Key');
    }
    const body = (request.body ?? {}) as Record<string, any>;
    const route = `${request.method} ${request.path}`;
    switch (route) {
      case `GET /indexes/${options.index}`:
        return {
          status: 200,
          body: {
            name: options.index,
            dimension: options.dimension,
            metric: 'cosine',
            host: server.url,
            vector_type: 'dense',
            deletion_protection: 'disabled',
            spec: { serverless: { cloud: 'aws', region: 'us-east-1' } },
            status: { ready: true, state: 'Ready' },
          },
        };
      case 'POST /vectors/upsert': {
        const vectors = body.vectors as StoredVector[] | undefined;
        if (!Array.isArray(vectors) || vectors.length === 0 || vectors.length > 1000) {
          return error(400, 'INVALID_ARGUMENT', 'vectors must hold 1 to 1000 records');
        }
        for (const vector of vectors) {
          if (vector.values?.length !== options.dimension) {
            return error(
              400,
              'INVALID_ARGUMENT',
              `Vector dimension ${vector.values?.length} does not match the dimension of the index ${options.dimension}`,
            );
          }
          if (vector.values.every((value) => value === 0)) {
            return error(400, 'INVALID_ARGUMENT', 'Dense vectors must contain at least one non-zero value');
          }
        }
        const space = spaceOf(body.namespace);
        for (const vector of vectors) space.set(vector.id, vector);
        return { status: 200, body: { upsertedCount: vectors.length } };
      }
      case 'POST /query': {
        if (!Array.isArray(body.vector) || body.vector.length !== options.dimension) {
          return error(400, 'INVALID_ARGUMENT', 'query vector dimension does not match the index');
        }
        if (!Number.isInteger(body.topK) || body.topK < 1 || body.topK > 10_000) {
          return error(400, 'INVALID_ARGUMENT', 'topK must be between 1 and 10000');
        }
        const matches = [...spaceOf(body.namespace).values()]
          .filter((vector) => matchesFilter(vector.metadata ?? {}, body.filter))
          .map((vector) => ({ vector, score: cosine(body.vector, vector.values) }))
          .sort((a, b) => b.score - a.score)
          .slice(0, body.topK)
          .map(({ vector, score }) => ({
            id: vector.id,
            score,
            values: body.includeValues ? vector.values : [],
            ...(body.includeMetadata && vector.metadata ? { metadata: vector.metadata } : {}),
          }));
        return { status: 200, body: { matches, namespace: body.namespace ?? '', usage: { readUnits: 5 } } };
      }
      case 'GET /vectors/fetch': {
        const space = spaceOf(request.query.get('namespace'));
        const vectors: Record<string, StoredVector> = {};
        for (const id of request.query.getAll('ids')) {
          const vector = space.get(id);
          if (vector) vectors[id] = vector;
        }
        return { status: 200, body: { vectors, namespace: request.query.get('namespace') ?? '' } };
      }
      case 'GET /vectors/list': {
        const prefix = request.query.get('prefix') ?? '';
        const limit = Math.min(Number(request.query.get('limit') ?? pageSize), pageSize);
        const ids = [...spaceOf(request.query.get('namespace')).keys()]
          .filter((id) => id.startsWith(prefix))
          .sort();
        const start = Number(request.query.get('paginationToken') ?? 0);
        const page = ids.slice(start, start + limit);
        return {
          status: 200,
          body: {
            vectors: page.map((id) => ({ id })),
            ...(start + limit < ids.length ? { pagination: { next: String(start + limit) } } : {}),
            namespace: request.query.get('namespace') ?? '',
            usage: { readUnits: 1 },
          },
        };
      }
      case 'POST /vectors/delete': {
        const space = spaceOf(body.namespace);
        if (body.deleteAll) namespaces.delete(body.namespace ?? '');
        else if (Array.isArray(body.ids)) for (const id of body.ids) space.delete(id);
        else if (body.filter) {
          for (const [id, vector] of space)
            if (matchesFilter(vector.metadata ?? {}, body.filter)) space.delete(id);
        } else return error(400, 'INVALID_ARGUMENT', 'one of ids, deleteAll or filter is required');
        return { status: 200, body: {} };
      }
      case 'POST /describe_index_stats': {
        const counts: Record<string, { vectorCount: number }> = {};
        let total = 0;
        for (const [name, space] of namespaces) {
          if (space.size === 0) continue;
          counts[name] = { vectorCount: space.size };
          total += space.size;
        }
        return {
          status: 200,
          body: {
            namespaces: counts,
            dimension: options.dimension,
            indexFullness: 0,
            totalVectorCount: total,
          },
        };
      }
      default:
        return error(404, 'NOT_FOUND', `unknown route ${route}`);
    }
  });
  return Object.assign(server, { namespaces });
}

/** Pinecone's metadata filter language: implicit $eq, $eq/$ne/$in/$nin/$gt/$gte/$lt/$lte/$exists, $and/$or. */
function matchesFilter(metadata: Record<string, unknown>, filter: unknown): boolean {
  if (!filter || typeof filter !== 'object') return true;
  return Object.entries(filter as Record<string, unknown>).every(([key, condition]) => {
    if (key === '$and') return (condition as unknown[]).every((part) => matchesFilter(metadata, part));
    if (key === '$or') return (condition as unknown[]).some((part) => matchesFilter(metadata, part));
    const value = metadata[key];
    if (condition === null || typeof condition !== 'object' || Array.isArray(condition)) {
      return value === condition;
    }
    return Object.entries(condition as Record<string, unknown>).every(([operator, operand]) => {
      switch (operator) {
        case '$eq':
          return value === operand;
        case '$ne':
          return value !== operand;
        case '$in':
          return (operand as unknown[]).includes(value);
        case '$nin':
          return !(operand as unknown[]).includes(value);
        case '$gt':
          return (value as number) > (operand as number);
        case '$gte':
          return (value as number) >= (operand as number);
        case '$lt':
          return (value as number) < (operand as number);
        case '$lte':
          return (value as number) <= (operand as number);
        case '$exists':
          return (value !== undefined) === operand;
        default:
          throw new Error(`unsupported filter operator ${operator}`);
      }
    });
  });
}
