// TTL presets (the mission's) and jitter, so keys written together do not expire together.
import { AppError } from '../errors.ts';

export const ttlPresets = {
  /** List views, search results. */
  short: 60,
  /** Entity details, dashboard data. */
  medium: 300,
  /** Analytics, reports. */
  long: 3600,
  /** AI responses, static data. */
  extended: 86_400,
} as const;

export type TtlPreset = keyof typeof ttlPresets;
/** A preset, or seconds: the mission's call form `{ ttl: 300 }`, or `{ seconds: 300 }`. */
export type Ttl = TtlPreset | number | { seconds: number };

export const TTL_JITTER = 0.1;

/** Milliseconds to keep a value: the preset or explicit seconds, spread by ±10%. */
export function ttlMilliseconds(ttl: Ttl, random: () => number = Math.random): number {
  const seconds = ttlSeconds(ttl);
  const spread = 1 + TTL_JITTER * (2 * random() - 1);
  return Math.max(1, Math.round(seconds * 1000 * spread));
}

/**
 * Seconds for a TTL; anything else is refused loudly (an undefined preset or NaN once stored in L1 only,
 * while Redis refused the write in silence).
 */
export function ttlSeconds(ttl: Ttl): number {
  const seconds =
    typeof ttl === 'string'
      ? (ttlPresets as Record<string, number>)[ttl]
      : typeof ttl === 'number'
        ? ttl
        : ttl?.seconds;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) {
    throw new AppError(
      'INVALID_TTL',
      400,
      `invalid cache TTL ${JSON.stringify(ttl)}: use a preset (${Object.keys(ttlPresets).join(', ')}) or positive seconds`,
    );
  }
  return seconds;
}
