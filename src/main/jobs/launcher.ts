/**
 * How main starts a compute process. Under plain Node (CLI tools, browser mode, tests) it is a
 * child_process.fork; the Electron shell supplies a utilityProcess launcher with the same shape.
 */
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FromCompute, ToCompute } from '../../shared/jobs.js';
import { appPath } from '../fs/app-root.js';

export interface ComputeProcess {
  readonly pid: number | undefined;
  send(message: ToCompute): void;
  onMessage(listener: (message: FromCompute) => void): void;
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  /** The last lines the process wrote to stderr, for the failure details. */
  stderrTail(): string;
  kill(): void;
}

export type ComputeLauncher = () => ComputeProcess;

const STDERR_KEEP = 8192;

/** Collects the tail of a stream, for error details after a crash. */
export function tailCollector(): { push(chunk: Buffer | string): void; text(): string } {
  let text = '';
  return {
    push(chunk) {
      text = (text + chunk.toString()).slice(-STDERR_KEEP);
    },
    text: () => text,
  };
}

/**
 * The compute entry: compute-entry.ts beside this file when it runs from sources (through tsx),
 * else the built out/main/compute.js (this file is then bundled into out/main or a chunk below it).
 */
function computeEntry(): { path: string; execArgv: string[] } {
  const ts = fileURLToPath(new URL('./compute-entry.ts', import.meta.url));
  if (existsSync(ts)) return { path: ts, execArgv: ['--import', 'tsx'] };
  return { path: appPath('out', 'main', 'compute.js'), execArgv: [] };
}

export const forkLauncher: ComputeLauncher = () => {
  const entry = computeEntry();
  const child = fork(entry.path, [], {
    execArgv: entry.execArgv,
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    serialization: 'advanced',
  });
  const tail = tailCollector();
  child.stderr?.on('data', (c: Buffer) => tail.push(c));
  return {
    pid: child.pid,
    send: (m) => {
      if (child.connected) child.send(m);
    },
    onMessage: (l) => child.on('message', (m) => l(m as FromCompute)),
    onExit: (l) => child.on('exit', (code, signal) => l(code, signal)),
    stderrTail: () => tail.text(),
    kill: () => child.kill('SIGKILL'),
  };
};
