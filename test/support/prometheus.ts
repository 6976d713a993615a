// A strict reader of the Prometheus text exposition format (version 0.0.4): every line must be a HELP or TYPE
// comment or a sample `name{label="value",…} number`, or parsing fails. Samples are keyed by name and labels.
export type Samples = Map<string, number>;

// Values as Go's ParseFloat reads them (Prometheus accepts NaN and Inf in any case; prom-client writes `Nan`).
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? ([-+]?(?:[0-9.e+-]+|nan|inf))( -?\d+)?$/i;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/g;

export function parsePrometheus(text: string): Samples {
  const samples: Samples = new Map();
  for (const [index, line] of text.split('\n').entries()) {
    if (line === '' || /^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$/.test(line)) continue;
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`line ${index + 1} is not Prometheus text: ${line}`);
    const labels: Record<string, string> = {};
    let consumed = 0;
    for (const label of (match[3] ?? '').matchAll(LABEL)) {
      labels[label[1]!] = label[2]!;
      consumed += label[0].length;
    }
    if (consumed !== (match[3] ?? '').length)
      throw new Error(`line ${index + 1} has malformed labels: ${line}`);
    samples.set(sampleKey(match[1]!, labels), Number(match[4]));
  }
  return samples;
}

export function sampleKey(name: string, labels: Record<string, string> = {}): string {
  const sorted = Object.keys(labels)
    .sort()
    .map((key) => `${key}="${labels[key]}"`);
  return `${name}{${sorted.join(',')}}`;
}

/** How much a sample grew between two scrapes (a missing sample counts as 0). */
export function delta(
  before: Samples,
  after: Samples,
  name: string,
  labels?: Record<string, string>,
): number {
  const key = sampleKey(name, labels);
  return (after.get(key) ?? 0) - (before.get(key) ?? 0);
}
