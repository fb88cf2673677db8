/**
 * Entry of the compute process. It runs exactly one job and exits, so that cancel can always
 * fall back to ending the process, and a crash (or the OS killing it for memory) takes down
 * only this job. Works as an Electron utilityProcess (process.parentPort) and as a Node
 * child_process.fork child (process.send), with the same messages.
 */
import type { FromCompute, ToCompute } from '../../shared/jobs.js';
import { describeError, isUserError } from '../../shared/errors.js';
import { jobRunners } from './runners.js';

interface ParentPort {
  on(event: 'message', listener: (e: { data: ToCompute }) => void): void;
  postMessage(message: FromCompute): void;
}

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;

function send(message: FromCompute): void {
  if (parentPort) parentPort.postMessage(message);
  else process.send?.(message);
}

const controller = new AbortController();
let started = false;

async function run(job: { id: string; kind: keyof typeof jobRunners; params: unknown }): Promise<void> {
  const runner = jobRunners[job.kind] as (p: unknown, c: object) => Promise<unknown>;
  try {
    const result = await runner(job.params, {
      signal: controller.signal,
      onProgress: (p: { fraction: number | null; message: string }) => send({ type: 'progress', ...p }),
      onLog: (line: string) => send({ type: 'log', line }),
      onMetric: (name: string, step: number, value: number) => send({ type: 'metric', name, step, value }),
    });
    send({ type: 'done', result });
  } catch (e) {
    const cancelled = Boolean((e as { isCancelled?: boolean })?.isCancelled) || controller.signal.aborted;
    send({
      type: 'error',
      message: describeError(e),
      detail: isUserError(e) ? null : ((e as Error)?.stack ?? String(e)),
      cancelled,
    });
  }
  // Let the last message flush before the process goes.
  setTimeout(() => process.exit(0), 50);
}

function onMessage(msg: ToCompute): void {
  if (msg.type === 'cancel') controller.abort();
  else if (msg.type === 'start' && !started) {
    started = true;
    void run(msg.job as never);
  }
}

if (parentPort) parentPort.on('message', (e) => onMessage(e.data));
else process.on('message', (m) => onMessage(m as ToCompute));
// Without a parent the process has nothing to do; the parent going away means stop.
process.on('disconnect', () => process.exit(0));
