// Row shapes of the identity tables as the query builder sees them (camelCase over snake_case columns).
import type { Role } from '../../platform/http/roles.ts';

export interface IdentityTables {
  /** `operator` (0/1): may see every tenant's operational data. */
  users: { id: string; email: string; name: string; createdAt: string; operator: number };
  apiTokens: {
    id: string;
    userId: string;
    name: string;
    tokenHash: string;
    tokenPrefix: string;
    createdAt: string;
    lastUsedAt: string | null;
    revokedAt: string | null;
  };
  workspaces: { id: string; slug: string; name: string; createdAt: string };
  memberships: { workspaceId: string; userId: string; role: Role; createdAt: string };
}
