// Embedding models on disk: DATA_DIR/models/embedding/<name>, each a transformers.js layout directory
// (config.json, tokenizer files, onnx/model*.onnx) with a manifest.json written last — a directory without
// one is an interrupted download or import, never used and replaced by the next attempt.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { readModelCard } from '../embedders/onnx-model.ts';

export interface ModelManifest {
  /** A hub id (`Xenova/all-MiniLM-L6-v2`) or the imported directory's name. */
  id: string;
  source: 'hub' | 'import';
  files: { path: string; bytes: number; sha256: string }[];
  installedAt: string;
}

export interface InstalledModel extends ModelManifest {
  directory: string;
  dimensions: number;
  pooling: string;
  maxTokens: number;
  dtypes: ('fp32' | 'q8')[];
}

/** The files a model directory is made of, whichever exist. */
export const MODEL_FILES = [
  'config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'sentence_bert_config.json',
  '1_Pooling/config.json',
  'onnx/model.onnx',
  'onnx/model_quantized.onnx',
];

export class ModelStore {
  readonly root: string;

  constructor(dataDir: string) {
    this.root = path.join(dataDir, 'models', 'embedding');
  }

  /** `Xenova/all-MiniLM-L6-v2` → `Xenova--all-MiniLM-L6-v2`, as the hub's own cache names repositories. */
  directoryOf(id: string): string {
    return path.join(this.root, id.replace(/\//g, '--'));
  }

  /** The installed model with this id, or undefined (never a half-written one). */
  find(id: string): InstalledModel | undefined {
    return this.describe(this.directoryOf(id));
  }

  list(): InstalledModel[] {
    if (!fs.existsSync(this.root)) return [];
    return fs
      .readdirSync(this.root)
      .map((name) => this.describe(path.join(this.root, name)))
      .filter((model): model is InstalledModel => model !== undefined)
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Copies a model directory in (air-gapped installs), checked the way a download is. */
  async import(source: string, id = path.basename(path.resolve(source))): Promise<InstalledModel> {
    const from = path.resolve(source);
    readModelCard(from);
    const files = MODEL_FILES.filter((file) => fs.existsSync(path.join(from, file)));
    if (!files.some((file) => file.startsWith('onnx/')))
      throw new Error(`${from} holds no onnx/model.onnx or onnx/model_quantized.onnx`);
    if (!files.includes('tokenizer.json')) throw new Error(`${from} holds no tokenizer.json`);
    return this.install(id, 'import', (staging) => {
      for (const file of files) {
        fs.mkdirSync(path.dirname(path.join(staging, file)), { recursive: true });
        fs.copyFileSync(path.join(from, file), path.join(staging, file));
      }
      return Promise.resolve(files.map((file) => ({ path: file })));
    });
  }

  /**
  /**
   * Fills a staging directory, then moves it into place with its manifest: a crash leaves at most a staging
   * directory behind, which the next attempt removes.
   */
  async install(
    id: string,
    source: ModelManifest['source'],
    /** Writes the files; a file's sha256 is given when the writer already computed it (a download). */
    fill: (staging: string) => Promise<{ path: string; sha256?: string }[]>,
  ): Promise<InstalledModel> {
    const target = this.directoryOf(id);
    const staging = `${target}.partial`;
    fs.rmSync(staging, { recursive: true, force: true });
    fs.mkdirSync(staging, { recursive: true });
    const files = await fill(staging);
    readModelCard(staging);
    const manifest: ModelManifest = {
      id,
      source,
      files: files.map((file) => {
        const location = path.join(staging, file.path);
        const sha256 = file.sha256 ?? createHash('sha256').update(fs.readFileSync(location)).digest('hex');
        return { path: file.path, bytes: fs.statSync(location).size, sha256 };
      }),
      installedAt: new Date().toISOString(),
    };
    fs.writeFileSync(path.join(staging, 'manifest.json'), JSON.stringify(manifest, null, 2));
    fs.rmSync(target, { recursive: true, force: true });
    fs.renameSync(staging, target);
    return this.describe(target)!;
  }

  private describe(directory: string): InstalledModel | undefined {
    const manifestFile = path.join(directory, 'manifest.json');
    if (!fs.existsSync(manifestFile)) return undefined;
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as ModelManifest;
    const card = readModelCard(directory);
    const dtypes = (['fp32', 'q8'] as const).filter((dtype) =>
      fs.existsSync(path.join(directory, 'onnx', dtype === 'q8' ? 'model_quantized.onnx' : 'model.onnx')),
    );
    return {
      ...manifest,
      directory,
      dimensions: card.dimensions,
      pooling: card.pooling,
      maxTokens: card.maxTokens,
      dtypes: [...dtypes],
    };
  }
}
