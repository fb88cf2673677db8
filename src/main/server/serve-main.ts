/**
 * `npm run serve [-- --port N] [--home DIR]`: browser mode on 127.0.0.1. Prints the address with
 * its access token; Ctrl+C stops it (a running job is stopped and marked as such).
 */
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Backend } from '../api/backend.js';
import { forkLauncher } from '../jobs/launcher.js';
import { defaultHome } from '../settings.js';
import { appPath } from '../fs/app-root.js';
import { serve } from './server.js';
import { describeError } from '../../shared/errors.js';

export async function serveMain(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { port: { type: 'string', default: '0' }, home: { type: 'string' } },
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port must be a whole number between 0 and 65535, got "${values.port}".`);
  }
  const rendererDir = appPath('out', 'renderer');
  if (!existsSync(resolve(rendererDir, 'index.html'))) {
    throw new Error('The app is not built yet. Run "npm run build" (npm run serve does this for you).');
  }
  const backend = await Backend.create({ home: values.home ? resolve(values.home) : defaultHome(), mode: 'browser', launcher: forkLauncher });
  const server = await serve({ backend, rendererDir, port });
  process.stdout.write(`SLayer Studio is serving on loopback only. Open:\n${server.url}\n`);
  const stop = async () => {
    await server.close();
    await backend.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

serveMain(process.argv.slice(2)).catch((e) => {
  process.stderr.write(`${(e as Error).message ?? describeError(e)}\n`);
  process.exit(2);
});
