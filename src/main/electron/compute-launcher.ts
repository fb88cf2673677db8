/** The desktop app's compute process: an Electron utilityProcess running the bundled compute.js. */
import { utilityProcess } from 'electron';
import { fileURLToPath } from 'node:url';
import type { FromCompute } from '../../shared/jobs.js';
import { tailCollector, type ComputeLauncher } from '../jobs/launcher.js';

export const utilityLauncher: ComputeLauncher = () => {
  const child = utilityProcess.fork(fileURLToPath(new URL('./compute.js', import.meta.url)), [], {
    stdio: ['ignore', 'inherit', 'pipe'],
    serviceName: 'SLayer compute',
  });
  const tail = tailCollector();
  child.stderr?.on('data', (c: Buffer) => tail.push(c));
  let exitSignal: string | null = null;
  return {
    get pid() {
      return child.pid;
    },
    send: (m) => child.postMessage(m),
    onMessage: (l) => child.on('message', (m) => l(m as FromCompute)),
    onExit: (l) => child.on('exit', (code) => l(code, exitSignal)),
    stderrTail: () => tail.text(),
    kill: () => {
      exitSignal = 'SIGKILL';
      child.kill();
    },
  };
};
