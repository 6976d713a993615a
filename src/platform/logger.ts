// Structured logs (pino). Secrets are redacted at the logger, so no code path can print them by accident.
import { pino } from 'pino';
import type { Config } from '../config.ts';

export type Logger = pino.Logger;

export const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  '*.token',
  '*.password',
  '*.apiKey',
  '*.tokenHash',
  'config.providers',
];

export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({
    level: config.logLevel,
    redact: { paths: redactedPaths, censor: '[redacted]' },
  });
}
