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
