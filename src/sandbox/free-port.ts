import { createServer } from 'node:net';

/**
 * A free TCP port on `host`. The gateway must know its own port before it starts, because the
 * notify_url it gives WeChat and the demo webhook URL contain it; with `ANFU_PORT=0` (tests) we ask
 * the kernel for one first. Another process could take it in between: acceptable for a sandbox.
 */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}
