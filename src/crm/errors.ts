// Errors of the CRM module, each with a stable code.
import { AppError } from '../platform/errors.ts';

export class CrmError extends AppError {
  static recordNotFound(type: string, id: string) {
    return new CrmError('RECORD_NOT_FOUND', 404, `${type} ${id} not found in this workspace`);
  }

  static workspaceNotFound(workspace: string) {
    return new CrmError(
      'WORKSPACE_NOT_FOUND',
      404,
      `workspace ${workspace} not found or not accessible with this token`,
    );
  }

  static batchTooLarge(size: number, max: number) {
    return new CrmError(
      'BATCH_TOO_LARGE',
      413,
      `a batch holds at most ${max} records; got ${size}: split it`,
    );
  }

  static duplicateIds(duplicates: { index: number; id: string }[]) {
    return new CrmError('DUPLICATE_IDS', 400, 'the batch repeats record ids; nothing was written', {
      duplicates,
    });
  }

  static idsTaken(type: string, ids: string[]) {
    return new CrmError(
      'RECORD_EXISTS',
      409,
      `${type} ids already exist in this workspace; nothing was written`,
      {
        ids: ids.slice(0, 100),
      },
    );
  }

  static incompleteLink(index: number, idField: string, typeField: string) {
    return new CrmError(
      'VALIDATION_FAILED',
      400,
      `record ${index}: ${idField} and ${typeField} must be given together`,
      { index, fields: [idField, typeField] },
    );
  }

  static linkedRecordsMissing(type: string, ids: string[]) {
    return new CrmError(
      'LINKED_RECORD_NOT_FOUND',
      400,
      `linked ${type} records do not exist in this workspace; nothing was written`,
      { type, ids: ids.slice(0, 100) },
    );
  }

  static invalidCursor(reason: string) {
    return new CrmError('INVALID_CURSOR', 400, `invalid cursor: ${reason}; start again without a cursor`);
  }

  static slugTaken(slug: string) {
    return new CrmError('WORKSPACE_EXISTS', 409, `a workspace with slug "${slug}" already exists`);
  }

  static userExists(email: string) {
    return new CrmError('USER_EXISTS', 409, `a user with email ${email} already exists`);
  }

  static lastOwner() {
    return new CrmError('LAST_OWNER', 409, 'a workspace needs at least one owner; add another owner first');
  }

  static importMapping(reason: string) {
    return new CrmError('IMPORT_INVALID', 400, `cannot import this file: ${reason}`);
  }

  static importTooLarge(maxBytes: number) {
    return new CrmError('IMPORT_TOO_LARGE', 413, `the file is larger than ${maxBytes} bytes; split it`);
  }

  static historyNeedsAdmin() {
    return new CrmError(
      'HISTORY_NEEDS_ADMIN',
      403,
      'setting createdAt, updatedAt, closedAt or stageHistory on import needs the admin role',
    );
  }
}
