// A stand-in for the Hugging Face hub on a random port, serving local model directories in the hub's layout:
// GET /api/models/<owner>/<name>/tree/main?recursive=true (file list with sizes and checksums: LFS files,
// here the .onnx weights, carry their sha256; the others their git blob sha1) and
// GET /<owner>/<name>/resolve/main/<path> (the bytes). `corrupt` serves a file with a flipped byte.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface HubServer {
  url: string;
  requests: string[];
  corrupt(file: string | undefined): void;
  close(): Promise<void>;
}

function filesUnder(directory: string, prefix = ''): string[] {
  return fs.readdirSync(path.join(directory, prefix), { withFileTypes: true }).flatMap((entry) => {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    return entry.isDirectory() ? filesUnder(directory, relative) : [relative];
  });
}

export async function startHubServer(repositories: Record<string, string>): Promise<HubServer> {
  const requests: string[] = [];
  let corrupted: string | undefined;
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://hub');
    requests.push(url.pathname);
    const tree = /^\/api\/models\/([^/]+\/[^/]+)\/tree\/main$/.exec(url.pathname);
    if (tree) {
      const directory = repositories[tree[1]!];
      if (!directory) return void response.writeHead(404).end('{"error":"Repository not found"}');
      const entries = filesUnder(directory).map((file) => {
        const bytes = fs.readFileSync(path.join(directory, file));
        const blob = createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
        return file.endsWith('.onnx')
          ? {
              type: 'file',
              path: file,
              size: bytes.length,
              oid: 'pointer-sha1',
              lfs: { oid: createHash('sha256').update(bytes).digest('hex'), size: bytes.length },
            }
          : { type: 'file', path: file, size: bytes.length, oid: blob };
      });
      return void response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify(entries));
    }
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/main\/(.+)$/.exec(url.pathname);
    const directory = resolve && repositories[resolve[1]!];
    const file = resolve && directory && path.join(directory, resolve[2]!);
    if (!file || !fs.existsSync(file)) return void response.writeHead(404).end();
    const bytes = fs.readFileSync(file);
    if (resolve[2] === corrupted) bytes[bytes.length - 1]! ^= 0xff;
    response.writeHead(200, { 'content-length': bytes.length }).end(bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    corrupt: (target) => {
      corrupted = target;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
