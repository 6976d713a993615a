// TTL presets (the mission's) and jitter, so keys written together do not expire together.

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
export type Ttl = TtlPreset | { seconds: number };

export const TTL_JITTER = 0.1;

/** Milliseconds to keep a value: the preset or explicit seconds, spread by ±10%. */
export function ttlMilliseconds(ttl: Ttl, random: () => number = Math.random): number {
  const seconds = typeof ttl === 'string' ? ttlPresets[ttl] : ttl.seconds;
  const spread = 1 + TTL_JITTER * (2 * random() - 1);
  return Math.max(1, Math.round(seconds * 1000 * spread));
}
