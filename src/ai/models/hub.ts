// Downloads an embedding model from the Hugging Face hub (or a mirror: HF_ENDPOINT) into the model store:
// the repository's file list first (sizes and checksums: sha256 for LFS files, the git blob sha1 for the
// rest), then each file the product needs, streamed to disk with progress and verified before the model is
// installed. Nothing is installed unless every file arrived whole.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type InstalledModel, MODEL_FILES, type ModelStore } from './model-store.ts';

export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';

interface TreeEntry {
  type: 'file' | 'directory';
  path: string;
  size: number;
  /** Git blob sha1 of the file (for LFS files: of the pointer). */
  oid: string;
  lfs?: { oid: string; size: number };
}

export interface PullOptions {
  endpoint?: string;
  /** Which weights: fp32 (onnx/model.onnx, the default when the repository has it) or q8. */
  dtype?: 'fp32' | 'q8';
  token?: string;
  fetch?: typeof fetch;
  /** Called as bytes arrive: total is the sum of the files to download. */
  onProgress?: (received: number, total: number, file: string) => void;
  signal?: AbortSignal;
}

export class HubError extends Error {}

export async function pullModel(
  store: ModelStore,
  id: string,
  options: PullOptions = {},
): Promise<InstalledModel> {
  if (!/^[\w.-]+\/[\w.-]+$/.test(id)) throw new HubError(`"${id}" is not a hub model id (owner/name)`);
  const endpoint = (options.endpoint ?? DEFAULT_HUB_ENDPOINT).replace(/\/$/, '');
  const get = options.fetch ?? fetch;
  const headers: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
  const listing = await get(`${endpoint}/api/models/${id}/tree/main?recursive=true`, {
    headers,
    signal: options.signal,
  });
  if (!listing.ok) throw new HubError(`${endpoint} answered ${listing.status} for model ${id}`);
  const tree = (await listing.json()) as TreeEntry[];
  const available = new Map(
    tree.filter((entry) => entry.type === 'file').map((entry) => [entry.path, entry]),
  );
  const weights =
    options.dtype === 'q8' || !available.has('onnx/model.onnx')
      ? 'onnx/model_quantized.onnx'
      : 'onnx/model.onnx';
  if (!available.has(weights))
    throw new HubError(`${id} has no ${weights}: it is not an ONNX embedding model`);
  const wanted = MODEL_FILES.filter(
    (file) => available.has(file) && (!file.startsWith('onnx/') || file === weights),
  );
  for (const required of ['config.json', 'tokenizer.json'])
    if (!wanted.includes(required)) throw new HubError(`${id} has no ${required}`);
  const total = wanted.reduce((sum, file) => sum + sizeOf(available.get(file)!), 0);
  let received = 0;
  return store.install(id, 'hub', async (staging) => {
    const installed: { path: string; sha256: string }[] = [];
    for (const file of wanted) {
      const entry = available.get(file)!;
      const target = path.join(staging, file);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      const response = await get(`${endpoint}/${id}/resolve/main/${file}`, {
        headers,
        signal: options.signal,
      });
      if (!response.ok || !response.body)
        throw new HubError(`${endpoint} answered ${response.status} for ${file}`);
      const sha256 = createHash('sha256');
      const sha1 = createHash('sha1').update(`blob ${sizeOf(entry)}\0`);
      // fetch's web stream and node:stream/web's are the same class under two declarations.
      const counted = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream);
      counted.on('data', (chunk: Buffer) => {
        sha256.update(chunk);
        sha1.update(chunk);
        received += chunk.length;
        options.onProgress?.(received, total, file);
      });
      await pipeline(counted, fs.createWriteStream(target));
      const digest = sha256.digest('hex');
      const ok = entry.lfs ? digest === entry.lfs.oid : sha1.digest('hex') === entry.oid;
      if (!ok) throw new HubError(`${file} of ${id} does not match the hub's checksum: download refused`);
      installed.push({ path: file, sha256: digest });
    }
    return installed;
  });
}

const sizeOf = (entry: TreeEntry) => entry.lfs?.size ?? entry.size;
