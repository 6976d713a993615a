// The ONNX embedder the server uses: the model runs in a worker thread (onnx-worker.ts) so that inference,
// which holds its thread for hundreds of milliseconds per batch, never stalls the event loop. Texts go over
// and vectors come back (transferred, not copied).
import { Worker } from 'node:worker_threads';
import type { Embedder } from './embedder.ts';
import { type OnnxEmbedderOptions, readModelCard } from './onnx-model.ts';

export { type ModelCard, type OnnxDtype, type OnnxEmbedderOptions, readModelCard } from './onnx-model.ts';

interface Pending {
  resolve(vectors: Float32Array[]): void;
  reject(error: Error): void;
}

export async function createOnnxEmbedder(
  options: OnnxEmbedderOptions,
): Promise<Embedder & { close(): Promise<void> }> {
  // Checked here first: a bad directory fails at start with the missing file, not inside the worker.
  readModelCard(options.modelPath);
  const worker = new Worker(new URL('./onnx-worker.mjs', import.meta.url), { workerData: options });
  const pending = new Map<number, Pending>();
  let nextId = 0;
  const ready = new Promise<{ model: string; dimensions: number; maxTokens: number }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const info = await ready;
  worker.on('message', (message: { id: number; vectors?: Float32Array[]; error?: string }) => {
    const job = pending.get(message.id);
    if (!job) return;
    pending.delete(message.id);
    if (message.error !== undefined) job.reject(new Error(`embedding failed: ${message.error}`));
    else job.resolve(message.vectors!);
  });
  worker.on('error', (error) => {
    for (const job of pending.values()) job.reject(error);
    pending.clear();
  });
  // An idle model does not keep the process alive (listeners re-reference the worker: unref after them).
  worker.unref();
  return {
    model: info.model,
    dimensions: info.dimensions,
    maxTokens: info.maxTokens,
    embed(texts) {
      if (texts.length === 0) return Promise.resolve([]);
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.ref();
        worker.postMessage({ id, texts: [...texts] });
      }).finally(() => {
        if (pending.size === 0) worker.unref();
      }) as Promise<Float32Array[]>;
    },
    close: async () => {
      await worker.terminate();
    },
  };
}
