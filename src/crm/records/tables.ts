// Row shapes of the tables crm/records owns (migrations 001 and 009). The six record tables are addressed by
// name at run time (entity-types.ts), so the query builder sees them as one shape: the columns every record
// has, the type's own fields as unknown (their zod schemas in entity-types.ts check them).

export interface StoredRecord {
  id: string;
  workspaceId: string;
  createdAt: string;
  updatedAt: string;
  [field: string]: unknown;
}

export type RecordTables = Record<string, StoredRecord> & {
  pendingRecordChanges: {
    workspaceId: string;
    entityType: string;
    entityId: string;
    token: string;
    changedAt: string;
  };
};
