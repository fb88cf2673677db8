/**
 * Benchmark tasks, lm-evaluation-harness style: `slayer eval MODEL --task ...` and the eval
 * job's `tasks`. Tasks are read (and every bad record reported) before the model loads.
 */
import type { TaskReport } from '../../../shared/evaluation.js';
import { progressSpan, type TaskControl } from '../../../shared/progress.js';
import { resolveTaskSpecs } from './bundled.js';
import { runTask, type TaskModel } from './run-task.js';
import { loadTask, type LoadedTask, type TaskOverrides } from './task-file.js';

export { resolveTaskSpecs, bundledRoot } from './bundled.js';
export type { TaskOverrides, LoadedTask } from './task-file.js';
export type { TaskModel } from './run-task.js';
export { longestSequence } from './run-task.js';

/** The tasks the --task values name, read and checked. */
export async function loadTasks(values: readonly string[], overrides: TaskOverrides, control: TaskControl = {}): Promise<LoadedTask[]> {
  const tasks: LoadedTask[] = [];
  for (const spec of resolveTaskSpecs(values)) tasks.push(await loadTask(spec.path, spec.source, overrides, control));
  return tasks;
}

/** Every task on one model, in order; progress shared by item count. */
export async function runTasks(model: TaskModel, tasks: readonly LoadedTask[], control: TaskControl = {}): Promise<TaskReport[]> {
  const total = tasks.reduce((n, t) => n + t.docs.length, 0);
  const reports: TaskReport[] = [];
  let done = 0;
  for (const task of tasks) {
    const span = progressSpan(control, done / total, (done + task.docs.length) / total, `Task ${task.name}`);
    reports.push(await runTask(model, task, span));
    done += task.docs.length;
  }
  return reports;
}
