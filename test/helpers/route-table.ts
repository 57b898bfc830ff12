import type { FastifyInstance } from 'fastify';

export interface Route {
  method: string;
  path: string;
}

/** Every route of a Fastify server as method + path, flattened from printRoutes (children are appended to their parent's text). */
export function routeTable(server: FastifyInstance): Route[] {
  const parents: string[] = [];
  const out: Route[] = [];
  for (const line of server.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│ ]*)[├└]── (.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    const path = (depth > 0 ? parents[depth - 1]! : '') + m[2]!;
    parents[depth] = path;
    for (const method of (m[3] ?? '').split(', ').filter((x) => x && x !== 'HEAD')) out.push({ method, path });
  }
  return out;
}
