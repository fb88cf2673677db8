/**
 * Browser mode in its own process, as `npm run serve` runs it, for the fuzz test: the real Backend,
 * compute launcher and server, with a test renderer folder and short timeouts so that slow-request
 * cases end quickly. Prints one JSON line {port, token} when it listens.
 * Usage: node --import tsx serve-fixture.ts HOME RENDERER_DIR
 */
import { Backend } from '../../../src/main/api/backend.js';
import { forkLauncher } from '../../../src/main/jobs/launcher.js';
import { serve } from '../../../src/main/server/server.js';

const [home, rendererDir] = process.argv.slice(2);
const backend = await Backend.create({ home, mode: 'browser', launcher: forkLauncher });
const server = await serve({ backend, rendererDir, port: 0, limits: { headersTimeoutMs: 1000, requestTimeoutMs: 2000 } });
process.stdout.write(`${JSON.stringify({ port: server.port, token: server.token })}\n`);
process.on('SIGTERM', () => {
  void server
    .close()
    .then(() => backend.close())
    .then(() => process.exit(0));
});
