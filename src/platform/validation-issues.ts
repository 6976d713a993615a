// A zod error in words, one "path: message" per problem, where `whole` names the value itself when the
// problem is not in one field (a row, a line, the environment).
import type { z } from 'zod';

export function issueLines(error: z.ZodError, whole: string): string[] {
  return error.issues.map((issue) => `${issue.path.join('.') || whole}: ${issue.message}`);
}

export function describeIssues(error: z.ZodError, whole: string, limit = Number.POSITIVE_INFINITY): string {
  return issueLines(error, whole).slice(0, limit).join('; ');
}
