// The ONNX model's own thread: onnxruntime runs a batch synchronously (a batch of 32 passages holds a thread
// for about half a second on two cores), so the model lives here and the server's event loop never waits on
// it. Jobs are taken shortest first, one batch of 8 at a time, so a search's one-line query slips in
// between the batches of a bulk reindex.
import { parentPort, workerData } from 'node:worker_threads';
import { createOnnxModel, type OnnxEmbedderOptions } from './onnx-model.ts';

interface Job {
  id: number;
  texts: string[];
  vectors: Float32Array[];
}

const BATCH = 8;
const port = parentPort!;
const model = await createOnnxModel({ ...(workerData as OnnxEmbedderOptions), batchSize: BATCH });
const queue: Job[] = [];
let running = false;

port.on('message', (message: { id: number; texts: string[] }) => {
  queue.push({ ...message, vectors: [] });
  queue.sort((a, b) => a.texts.length - a.vectors.length - (b.texts.length - b.vectors.length));
  void drain();
});
port.postMessage({
  ready: true,
  model: model.model,
  dimensions: model.dimensions,
  maxTokens: model.maxTokens,
});

async function drain() {
  if (running) return;
  running = true;
  try {
    while (queue.length > 0) {
      const job = queue[0]!;
      try {
        const batch = job.texts.slice(job.vectors.length, job.vectors.length + BATCH);
        job.vectors.push(...(await model.embed(batch)));
      } catch (error) {
        queue.shift();
        port.postMessage({ id: job.id, error: (error as Error).message });
        continue;
      }
      if (job.vectors.length === job.texts.length) {
        queue.shift();
        port.postMessage(
          { id: job.id, vectors: job.vectors },
          job.vectors.map((vector) => vector.buffer as ArrayBuffer),
        );
      }
      // Let messages that arrived during the batch in before the next one.
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    running = false;
  }
}
