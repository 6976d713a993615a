// Text and shape rules every request obeys before any route sees it, the same on SQLite and PostgreSQL:
// no NUL characters (PostgreSQL text and jsonb cannot hold them) and no unpaired UTF-16 surrogates (not
// Unicode; PostgreSQL's JSON parser rejects them) anywhere in the path, query or body, and JSON nested no
// deeper than MAX_BODY_DEPTH (deeper input overflowed the stack when agent history was saved).
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.ts';

/** Far beyond any real CRM payload (a workflow step's input is a few levels deep). */
export const MAX_BODY_DEPTH = 64;

export class InputError extends AppError {
  static invalidText(where: string, path: string, problem: 'NUL character' | 'unpaired surrogate') {
    return new InputError(
      'INVALID_TEXT',
      400,
      `${where} ${path || '/'} contains a ${problem}; send well-formed Unicode text without NUL`,
      { in: where, path: path || '/' },
    );
  }

  static tooDeep(limit: number) {
    return new InputError('BODY_TOO_DEEP', 400, `JSON nested deeper than ${limit} levels`, { limit });
  }
}

/** Why a string cannot be stored as text, or undefined when it can. */
function textProblem(text: string): 'NUL character' | 'unpaired surrogate' | undefined {
  if (text.includes('\u0000')) return 'NUL character';
  if (!text.isWellFormed()) return 'unpaired surrogate';
  return undefined;
}

/**
 * Walks a parsed value without recursion (a hostile body must not overflow the stack here either) and
 * throws at the first string or key that breaks the rules, or when nesting passes `maxDepth`.
 */
export function assertStorableInput(value: unknown, where: string, maxDepth = MAX_BODY_DEPTH): void {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: '', depth: 0 }];
  while (stack.length > 0) {
    const { value: current, path, depth } = stack.pop()!;
    if (typeof current === 'string') {
      const problem = textProblem(current);
      if (problem) throw InputError.invalidText(where, path, problem);
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (depth >= maxDepth) throw InputError.tooDeep(maxDepth);
    for (const [key, child] of Object.entries(current)) {
      const problem = textProblem(key);
      if (problem) throw InputError.invalidText(where, `${path}/${key.slice(0, 40)}`, problem);
      stack.push({ value: child, path: `${path}/${key}`, depth: depth + 1 });
    }
  }
}

export function registerInputGuard(app: FastifyInstance): void {
  // Before authentication: a workspace reference with a NUL must not reach a database lookup.
  app.addHook('onRequest', async (request) => {
    assertStorableInput(request.params, 'path');
    assertStorableInput(request.query, 'query');
  });
  app.addHook('preValidation', async (request) => {
    // A streamed body (CSV import) is checked row by row by whoever reads it.
    if (request.body !== undefined && !(request.body instanceof Readable))
      assertStorableInput(request.body, 'body');
  });
}
