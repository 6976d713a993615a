// A module's routes as one Fastify plugin under its path prefix: paths inside are relative to it, and the
// plugin is the unit a module adds to the server.
import type { FastifyInstance } from 'fastify';

export function mountRoutes(
  app: FastifyInstance,
  prefix: string,
  routes: (scope: FastifyInstance) => void,
): void {
  void app.register(async (scope) => routes(scope), { prefix });
}
