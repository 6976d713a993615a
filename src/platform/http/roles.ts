// Workspace roles, ordered by what they may do.
export const roles = ['viewer', 'member', 'admin', 'owner'] as const;
export type Role = (typeof roles)[number];

/** viewer reads; member writes records; admin manages members, indexes, training; owner everything. */
export function roleAllows(role: Role, needed: Role): boolean {
  return roles.indexOf(role) >= roles.indexOf(needed);
}
