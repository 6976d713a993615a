// The baseline for bench/http.ts: a bare Fastify route with the same logging level, nothing else.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
const payload = { id: 'bare', name: 'Bare route', email: 'bare@example.com', company: 'Acme' };
app.get('/bare', async () => payload);
const address = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`listening on ${address}\n`);
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
