// Real pretrained embedding models for the tests (scripts/test-models.sh obtains and converts them): the
// directory comes from CRM_AI_TEST_MODELS. In CI its absence is a failure; on a clone without it the tests
// that need it skip, saying how to get it.
import fs from 'node:fs';
import path from 'node:path';

export const HOW_TO_GET_MODELS =
  'no real model here: run `export CRM_AI_TEST_MODELS=$(scripts/test-models.sh)`';

/** The directory of a converted real model, or a skip reason (throws in CI, where it must be there). */
export function realModel(name = 'all-MiniLM-L6-v2'): { directory?: string; skip: string | false } {
  const root = process.env.CRM_AI_TEST_MODELS;
  const directory = root ? path.join(root, name) : undefined;
  if (directory && fs.existsSync(path.join(directory, 'config.json'))) return { directory, skip: false };
  if (process.env.CI === 'true') throw new Error(`CI needs the real model ${name}: ${HOW_TO_GET_MODELS}`);
  return { skip: HOW_TO_GET_MODELS };
}
