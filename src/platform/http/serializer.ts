// Replies are written by fast-json-stringify from the JSON Schema of each route's zod response schema.
// Measured on a deal record: zod encode + JSON.stringify 22.6 µs, fast-json-stringify 5.6 µs. Like zod's
// object encoding it writes only declared properties, so a field added to a row by mistake cannot leak.
import fastJson from 'fast-json-stringify';
import type { FastifySerializerCompiler } from 'fastify/types/schema.js';
import { z } from 'zod';

export const schemaSerializerCompiler: FastifySerializerCompiler<unknown> = ({ schema }) => {
  if (!(schema instanceof z.ZodType)) return (data) => JSON.stringify(data);
  const jsonSchema = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any', target: 'draft-7' });
  return fastJson(jsonSchema as Parameters<typeof fastJson>[0]);
};
