// A local server that follows Milvus's RESTful API v2 (/v2/vectordb/...), the contract the official SDK's
// HttpClient speaks: collections (has, create with a schema and index params, describe) and entities
// (upsert, query with output fields and count(*), search with a filter, delete by filter), with Milvus's
// `{code, data, message}` replies (HTTP 200 and a non-zero code for refused requests) and bearer tokens.
// Boolean expressions support what the adapter sends: ==, !=, in, and, or, parentheses, string and number
// literals. Search is exact COSINE (similarity, higher is closer), so results are the truth.
import { type ContractServer, cosine, startContractServer } from './contract-server.ts';

interface FieldSchema {
  fieldName: string;
  dataType: string;
  isPrimary?: boolean;
  isPartitionKey?: boolean;
  elementTypeParams?: { max_length?: number; dim?: number };
}

interface Collection {
  fields: FieldSchema[];
  primary: string;
  vectorField: string;
  dim: number;
  rows: Map<string, Record<string, unknown>>;
}

export interface MilvusServer extends ContractServer {
  collections: Map<string, Collection>;
}

export async function startMilvusServer(options: { token?: string } = {}): Promise<MilvusServer> {
  const collections = new Map<string, Collection>();
  const ok = (data: unknown = {}, extra: object = {}) => ({ status: 200, body: { code: 0, data, ...extra } });
  const refuse = (code: number, message: string) => ({ status: 200, body: { code, message } });

  const server = await startContractServer((request) => {
    if (options.token && request.headers.authorization !== `Bearer ${options.token}`) {
      return refuse(1800, "user hasn't authenticated");
    }
    const body = (request.body ?? {}) as Record<string, any>;
    const route = `${request.method} ${request.path}`;
    const collection = collections.get(body.collectionName);
    const needCollection = () => refuse(100, `collection not found[collection=${body.collectionName}]`);
    switch (route) {
      case 'POST /v2/vectordb/collections/has':
        return ok({ has: collection !== undefined });
      case 'POST /v2/vectordb/collections/create': {
        if (collection) return refuse(65535, `collection ${body.collectionName} already exists`);
        const fields = (body.schema?.fields ?? []) as FieldSchema[];
        const primary = fields.find((field) => field.isPrimary);
        const vector = fields.find((field) => field.dataType === 'FloatVector');
        if (!primary || !vector?.elementTypeParams?.dim) {
          return refuse(1100, 'schema needs a primary key and a FloatVector field with dim');
        }
        collections.set(body.collectionName, {
          fields,
          primary: primary.fieldName,
          vectorField: vector.fieldName,
          dim: Number(vector.elementTypeParams.dim),
          rows: new Map(),
        });
        return ok();
      }
      case 'POST /v2/vectordb/collections/describe': {
        if (!collection) return needCollection();
        return ok({
          collectionName: body.collectionName,
          fields: collection.fields.map((field) => ({
            name: field.fieldName,
            type: field.dataType,
            primaryKey: field.isPrimary ?? false,
            partitionKey: field.isPartitionKey ?? false,
            autoId: false,
            description: '',
            params: Object.entries(field.elementTypeParams ?? {}).map(([key, value]) => ({
              key,
              value: String(value),
            })),
          })),
          load: 'LoadStateLoaded',
          enableDynamicField: false,
        });
      }
      case 'POST /v2/vectordb/entities/upsert': {
        if (!collection) return needCollection();
        const rows = body.data as Record<string, unknown>[];
        for (const row of rows) {
          for (const field of collection.fields) {
            if (!(field.fieldName in row)) return refuse(1100, `missing field ${field.fieldName}`);
            const max = field.elementTypeParams?.max_length;
            if (max && String(row[field.fieldName]).length > max) {
              return refuse(1100, `the length of ${field.fieldName} exceeds max length ${max}`);
            }
          }
          const vector = row[collection.vectorField] as number[];
          if (!Array.isArray(vector) || vector.length !== collection.dim) {
            return refuse(
              1100,
              `the dim (${vector?.length}) of vector data doesn't match the schema (${collection.dim})`,
            );
          }
        }
        for (const row of rows) collection.rows.set(String(row[collection.primary]), row);
        return ok({ upsertCount: rows.length, upsertIds: rows.map((row) => row[collection.primary]) });
      }
      case 'POST /v2/vectordb/entities/query': {
        if (!collection) return needCollection();
        const matching = select(collection, body.filter);
        const fields = (body.outputFields ?? []) as string[];
        if (fields.includes('count(*)')) return ok([{ 'count(*)': matching.length }]);
        if (!body.filter && !body.limit) return refuse(1100, 'empty expression should be used with limit');
        return ok(matching.slice(0, body.limit ?? 16_384).map((row) => project(collection, row, fields)));
      }
      case 'POST /v2/vectordb/entities/search': {
        if (!collection) return needCollection();
        const [vector] = body.data as number[][];
        if (!vector || vector.length !== collection.dim) return refuse(1100, 'vector dimension mismatch');
        const hits = select(collection, body.filter)
          .map((row) => ({ row, distance: cosine(vector, row[collection.vectorField] as number[]) }))
          .sort((a, b) => b.distance - a.distance)
          .slice(0, body.limit ?? 100)
          .map(({ row, distance }) => ({ ...project(collection, row, body.outputFields ?? []), distance }));
        return ok(hits, { topks: [hits.length] });
      }
      case 'POST /v2/vectordb/entities/delete': {
        if (!collection) return needCollection();
        if (!body.filter) return refuse(1100, 'delete needs a filter');
        for (const row of select(collection, body.filter))
          collection.rows.delete(String(row[collection.primary]));
        return ok();
      }
      default:
        return { status: 404, body: { code: 404, message: `unknown route ${route}` } };
    }
  });
  return Object.assign(server, { collections });
}

function select(collection: Collection, filter: string | undefined): Record<string, unknown>[] {
  const rows = [...collection.rows.values()];
  if (!filter) return rows;
  const predicate = parseExpression(filter);
  return rows.filter(predicate);
}

function project(collection: Collection, row: Record<string, unknown>, fields: readonly string[]) {
  const projected: Record<string, unknown> = { [collection.primary]: row[collection.primary] };
  for (const field of fields) projected[field] = row[field];
  return projected;
}

type Predicate = (row: Record<string, unknown>) => boolean;

/** Parses the subset of Milvus's boolean expression grammar described above into a predicate. */
export function parseExpression(source: string): Predicate {
  const tokens =
    source.match(/"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|==|!=|[()[\],]|[A-Za-z_][A-Za-z0-9_]*/g) ?? [];
  let position = 0;
  const peek = () => tokens[position];
  const next = () => tokens[position++];
  const expect = (token: string) => {
    if (next() !== token) throw new Error(`expected ${token} in ${source}`);
  };
  const literal = (): unknown => {
    const token = next()!;
    if (token.startsWith('"')) return JSON.parse(token);
    if (/^-?\d/.test(token)) return Number(token);
    throw new Error(`expected a literal, found ${token} in ${source}`);
  };
  const comparison = (): Predicate => {
    if (peek() === '(') {
      next();
      const inner = or();
      expect(')');
      return inner;
    }
    const field = next()!;
    const operator = next();
    if (operator === 'in') {
      expect('[');
      const values: unknown[] = [];
      while (peek() !== ']') {
        values.push(literal());
        if (peek() === ',') next();
      }
      expect(']');
      return (row) => values.includes(row[field]);
    }
    const value = literal();
    if (operator === '==') return (row) => row[field] === value;
    if (operator === '!=') return (row) => row[field] !== value;
    throw new Error(`unsupported operator ${operator} in ${source}`);
  };
  const and = (): Predicate => {
    let left = comparison();
    while (peek() === 'and' || peek() === '&&') {
      next();
      const a = left;
      const b = comparison();
      left = (row) => a(row) && b(row);
    }
    return left;
  };
  const or = (): Predicate => {
    let left = and();
    while (peek() === 'or' || peek() === '||') {
      next();
      const a = left;
      const b = and();
      left = (row) => a(row) || b(row);
    }
    return left;
  };
  const predicate = or();
  if (position !== tokens.length) throw new Error(`unexpected ${peek()} in ${source}`);
  return predicate;
}
