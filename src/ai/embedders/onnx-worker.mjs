// Entry of the ONNX model's worker thread: registers tsx (as bin/crm-ai.js does for the main thread; Node 20
// does not carry --import hooks into workers), then runs the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./onnx-worker.ts');
