// A real Milvus server for the tests: Milvus Lite (PyPI `milvus-lite`, gRPC) on a random port with its own data
// directory, from the command MILVUS_LITE names (.ci/run builds it from test/milvus/requirements.txt). In CI
// its absence fails; on a clone without it the tests that need it skip, saying how to get it.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './redis.ts';

export const HOW_TO_GET_MILVUS =
  'no Milvus Lite here: python3 -m venv .milvus && .milvus/bin/pip install -r test/milvus/requirements.txt && export MILVUS_LITE=$PWD/.milvus/bin/milvus-lite';

export function milvusLiteCommand(): { command?: string; skip: string | false } {
  const command = process.env.MILVUS_LITE;
  if (command && fs.existsSync(command)) return { command, skip: false };
  if (process.env.CI === 'true') throw new Error(`CI needs Milvus Lite: ${HOW_TO_GET_MILVUS}`);
  return { skip: HOW_TO_GET_MILVUS };
}

export interface MilvusLite {
  address: string;
  stop(): Promise<void>;
}

export async function startMilvusLite(command: string): Promise<MilvusLite> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-ai-milvus-'));
  const port = await freePort();
  const child: ChildProcess = spawn(
    command,
    ['server', '--data-dir', dataDir, '--host', '127.0.0.1', '--port', String(port)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('listening on')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`milvus-lite exited (${code}): ${output}`)));
  });
  return {
    address: `127.0.0.1:${port}`,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      await exited;
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
