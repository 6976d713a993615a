// Redis for tests: the shared server under a namespace of the test's own, or a private redis-server this
// test starts, pauses and kills to play failures.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { createClient, type RedisClientType } from '@redis/client';

export const testRedisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function uniqueNamespace(): string {
  return `t${randomBytes(5).toString('hex')}`;
}

/** A plain client for assertions about what Redis holds. */
export async function rawRedis(url = testRedisUrl): Promise<RedisClientType> {
  const client = createClient({ url }) as RedisClientType;
  await client.connect();
  return client;
}

export async function dropNamespace(namespace: string, url = testRedisUrl): Promise<void> {
  const client = await rawRedis(url);
  try {
    for await (const keys of client.scanIterator({ MATCH: `${namespace}:*`, COUNT: 1000 })) {
      if (keys.length > 0) await client.unlink(keys);
    }
  } finally {
    client.destroy();
  }
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

export interface PrivateRedis {
  url: string;
  /** SIGSTOP: the port still accepts connections but nothing answers (the worst case for clients). */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
  restart(): Promise<void>;
}

/** Private servers still running, killed when the test process exits however it exits. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGCONT');
    child.kill('SIGKILL');
    await once(child, 'exit');
  };
  const launch = async () => {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    const launched = child;
    running.add(launched);
    launched.once('exit', () => running.delete(launched));
    // Ready once it answers PING; a server that exits first (its port taken meanwhile) fails at once, so a
    // test never talks to some other process's Redis on that port.
    for (let attempt = 0; attempt < 100; attempt++) {
      if (launched.exitCode !== null) throw new Error(`private redis-server exited (${launched.exitCode})`);
      const client = createClient({ url: `redis://127.0.0.1:${port}`, socket: { reconnectStrategy: false } });
      client.on('error', () => {});
      try {
        await client.connect();
        await client.ping();
        client.destroy();
        if (launched.exitCode === null) return;
      } catch {
        client.destroy();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    await stop();
    throw new Error('private redis-server did not start');
  };
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    pause: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
    stop,
    async restart() {
      await stop();
      await launch();
    },
  };
}
