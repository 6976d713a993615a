// Hot queries built and compiled once. On a request path that reads one row, building and compiling a
// Kysely query (and running plugins over it) costs several times more than SQLite takes to answer it.
import { type Compilable, type CompiledQuery, createQueryId, type Kysely } from 'kysely';

export interface PreparedQuery<Args extends unknown[], Row> {
  /** Runs on `db`, which may be a transaction of the database the query was built for. */
  execute<Schema>(db: Kysely<Schema>, ...args: Args): Promise<Row[]>;
}

/**
 * `build` is called once with placeholder arguments; each later call swaps the real values into the
 * compiled parameter list, wherever (and however often) a placeholder appeared. Arguments must be values
 * bound as parameters, never something that changes the query's shape.
 */
export function prepareQuery<Args extends unknown[], Row>(
  arity: Args['length'],
  build: (...args: Args) => Compilable<Row>,
): PreparedQuery<Args, Row> {
  const placeholders = Array.from({ length: arity }, (_, index) => `\u0000prepared-argument-${index}\u0000`);
  const compiled = build(...(placeholders as Args)).compile();
  const positions = compiled.parameters.map((parameter) => placeholders.indexOf(parameter as string));
  if (placeholders.some((_, index) => !positions.includes(index))) {
    throw new Error(`prepared query does not bind all ${arity} arguments: ${compiled.sql}`);
  }
  return {
    async execute(db, ...args) {
      const query: CompiledQuery<Row> = {
        ...compiled,
        queryId: createQueryId(),
        parameters: compiled.parameters.map((parameter, index) =>
          positions[index]! >= 0 ? args[positions[index]!] : parameter,
        ),
      };
      const result = await db.executeQuery(query);
      return result.rows;
    },
  };
}
