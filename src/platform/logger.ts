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

/** `destination` lets tests read what would be logged. */
export function createLogger(config: Pick<Config, 'logLevel'>, destination?: pino.DestinationStream): Logger {
  const options = { level: config.logLevel, redact: { paths: redactedPaths, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}
