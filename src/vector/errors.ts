// Errors of the search module, each with a stable code.
import { AppError } from '../platform/errors.ts';

export class VectorError extends AppError {
  static indexMismatch(expected: string, found: string) {
    return new VectorError(
      'INDEX_MODEL_MISMATCH',
      409,
      `the index was built with ${found}; the configured model is ${expected}: run "npx crm-ai index --workspace <slug> --rebuild"`,
    );
  }
}
