// `crm-ai serve` as a child process on a test database: for what only a real process shows (first start,
// shutdown, a crash).
import { type ChildProcess, spawn } from 'node:child_process';
import type { TestDatabase } from './database.ts';

export const bin = 'bin/crm-ai.js';

export interface ServedProcess {
  child: ChildProcess;
  output: () => string;
  address: string;
}

/** Starts `crm-ai serve` and resolves once it prints its address. */
export async function serve(
  database: TestDatabase,
  env: Record<string, string> = {},
): Promise<ServedProcess> {
  const child = spawn('node', [bin, 'serve'], {
    env: { ...process.env, ...database.env, PORT: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr!.on('data', (chunk) => {
    output += chunk;
  });
  const address = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${output}`)));
  });
  return { child, output: () => output, address };
}
