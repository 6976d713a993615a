// The baseline for bench/http.ts: a bare Fastify route answering the same bytes the API answers for one
// record (read from the file named by BARE_PAYLOAD_FILE), with no auth, cache, database or validation.
import fs from 'node:fs';
import Fastify from 'fastify';

const payload = fs.readFileSync(process.env.BARE_PAYLOAD_FILE!, 'utf8');
const app = Fastify({ logger: false });
app.get('/bare', async (_request, reply) => reply.type('application/json; charset=utf-8').send(payload));
const address = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`listening on ${address}\n`);
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
