// Record → the text that represents it in the vector index, from the fields the mission lists per type.
// Long documents are split into overlapping chunks so that each vector stands for a passage, not a book.
import type { EntityTypeName } from '../crm/records/entity-types.ts';

/** The mission's fields per type, in the order they are written into the text. */
export const indexedFields: Record<EntityTypeName, readonly string[]> = {
  contact: ['name', 'email', 'company', 'role', 'notes'],
  lead: ['name', 'email', 'company', 'source', 'requirements', 'notes'],
  deal: ['name', 'description', 'requirements', 'notes'],
  activity: ['type', 'notes', 'outcome', 'followUpNotes'],
  project: ['name', 'description', 'requirements', 'notes'],
  document: ['title', 'content', 'summary'],
};

const fieldLabels: Record<string, string> = { followUpNotes: 'follow-up notes' };

export interface TextChunk {
  /** 0 for the first (or only) chunk. */
  index: number;
  text: string;
}

export interface ChunkOptions {
  /** Characters per chunk; about 250 tokens of English at the default. */
  maxChars: number;
  overlapChars: number;
}

export const defaultChunking: ChunkOptions = { maxChars: 1000, overlapChars: 150 };

/** "field: value" lines for the non-empty indexed fields. */
export function entityText(type: EntityTypeName, record: Record<string, unknown>): string {
  const lines: string[] = [];
  for (const field of indexedFields[type]) {
    const value = record[field];
    if (value === null || value === undefined || value === '') continue;
    lines.push(`${fieldLabels[field] ?? field}: ${String(value).trim()}`);
  }
  return lines.join('\n');
}

/**
 * The record's chunks. Every chunk of a document repeats its title, so a passage found on its own still
 * says what it belongs to. Chunks break at paragraph or sentence ends where one is near.
 */
export function entityChunks(
  type: EntityTypeName,
  record: Record<string, unknown>,
  options: ChunkOptions = defaultChunking,
): TextChunk[] {
  const text = entityText(type, record);
  if (text.length <= options.maxChars) return [{ index: 0, text }];
  const heading = type === 'document' && record.title ? `title: ${String(record.title)}\n` : '';
  const body = heading && text.startsWith(heading) ? text.slice(heading.length) : text;
  const room = Math.max(100, options.maxChars - heading.length);
  return splitText(body, room, options.overlapChars).map((piece, index) => ({
    index,
    text: `${heading}${piece}`,
  }));
}

/** The fields of a record written in sentences: what a question about the record is usually answered by. */
const proseFields = new Set(['notes', 'requirements', 'description', 'outcome', 'followUpNotes', 'summary']);
/** Shorter prose says too little to stand as a passage of its own. */
const MIN_PASSAGE_CHARS = 40;

/**
 * What the vector index holds for a record: its chunks, and for a record that fits one chunk each prose field
 * on its own as well. A question usually matches one note or requirement, and in the whole record that
 * sentence is diluted by the name, email and the other fields: on the judged dev set the extra passages
 * raised all-MiniLM-L6-v2's vector-only nDCG@10 from 0.806 to 0.859 (bench/relevance). The keyword index
 * keeps the chunks only (one copy of each word). A record's score is its best passage's.
 */
export function entityPassages(
  type: EntityTypeName,
  record: Record<string, unknown>,
  options: ChunkOptions = defaultChunking,
): TextChunk[] {
  const chunks = entityChunks(type, record, options);
  if (chunks.length > 1) return chunks;
  const fields = indexedFields[type].filter((field) => {
    const value = record[field];
    return proseFields.has(field) && typeof value === 'string' && value.trim().length >= MIN_PASSAGE_CHARS;
  });
  // A record that is nothing but one prose field already is that passage.
  if (
    fields.length === 1 &&
    chunks[0]!.text === `${fieldLabels[fields[0]!] ?? fields[0]}: ${String(record[fields[0]!]).trim()}`
  )
    return chunks;
  return [
    ...chunks,
    ...fields.map((field, i) => ({ index: chunks.length + i, text: String(record[field]).trim() })),
  ];
}

export function splitText(text: string, maxChars: number, overlapChars: number): string[] {
  const pieces: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + maxChars);
    if (end < text.length) {
      const window = text.slice(start, end);
      // Prefer a paragraph break, then a sentence end, in the last third of the window.
      const minimum = Math.floor(maxChars * 0.66);
      const paragraph = window.lastIndexOf('\n\n');
      const sentence = Math.max(window.lastIndexOf('. '), window.lastIndexOf('? '), window.lastIndexOf('! '));
      const space = window.lastIndexOf(' ');
      const cut =
        paragraph >= minimum
          ? paragraph + 2
          : sentence >= minimum
            ? sentence + 2
            : space >= minimum
              ? space + 1
              : window.length;
      end = start + cut;
    }
    pieces.push(text.slice(start, end).trim());
    if (end >= text.length) break;
    start = Math.max(end - overlapChars, start + 1);
    // Start the overlap at a word boundary.
    const boundary = text.indexOf(' ', start);
    if (boundary !== -1 && boundary < end) start = boundary + 1;
  }
  return pieces.filter((piece) => piece.length > 0);
}
