// API tokens: 256 random bits shown once; only a SHA-256 hash is stored. A fast hash is right here because
// the secret is high-entropy (nothing to brute-force offline), and it keeps authentication to one lookup.
import { createHash, randomBytes } from 'node:crypto';

const TOKEN_PREFIX = 'crm_';

export function generateToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The first characters, safe to show in token lists so a user can tell tokens apart. */
export function displayPrefix(token: string): string {
  return token.slice(0, TOKEN_PREFIX.length + 6);
}
