// The admin panel (web/, built by Vite into web/dist) served from the API's own port at /. The panel routes
// with the URL hash, so the server only serves files. Without a build, / says how to make one.
import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

export const WEB_ROOT = path.resolve(import.meta.dirname, '../../../web');
export const WEB_DIST = path.join(WEB_ROOT, 'dist');

export async function registerWebPanel(app: FastifyInstance, directory = WEB_DIST): Promise<void> {
  if (!fs.existsSync(path.join(directory, 'index.html'))) {
    app.get('/', { config: { access: { public: true } }, schema: { hide: true } }, async (_request, reply) =>
      reply
        .type('text/html')
        .send('<p>The admin panel is not built: run <code>npm run build:web</code> (npm start does it).</p>'),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root: directory,
    prefix: '/',
    // Each built file gets its own route, so nothing shadows the API or the 404 handler.
    wildcard: false,
    index: 'index.html',
    // Hashed assets never change; index.html must be re-read to pick up a new build.
    setHeaders: (reply, file) =>
      reply.header(
        'cache-control',
        file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
      ),
  });
}

/** Builds the panel when it has not been built and Vite is installed (a development checkout). */
export async function buildWebPanelIfMissing(log: (line: string) => void): Promise<void> {
  if (fs.existsSync(path.join(WEB_DIST, 'index.html'))) return;
  let vite: typeof import('vite');
  try {
    vite = await import('vite');
  } catch {
    log('the admin panel is not built and Vite is not installed (npm ci without --omit=dev builds it)');
    return;
  }
  log('building the admin panel (web/) once…');
  await vite.build({ configFile: path.join(WEB_ROOT, 'vite.config.ts'), logLevel: 'warn' });
}
