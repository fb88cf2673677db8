/**
 * Training metrics as they arrive ('job.metric' events: loss, learning rate, gradient norm,
 * tokens/s, held-out losses), per job, kept in the browser's storage so the curves come back
 * after a reload while the run goes on in the compute process. Steps reported while no page was
 * open are filled in from the project's metrics log (metrics.read).
 *
 * A small model trains dozens of steps a second, four metrics each: the points are collected
 * as plain data and the page is told about them a few times a second, so redrawing the curves
 * never falls behind the run.
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { api } from '../api';
import type { MetricSeries, Pace } from '../training-run';

const KEY = 'slayer-train-metrics';
/** Jobs whose metrics are kept; older ones are dropped (their results keep the losses). */
const KEEP_JOBS = 12;
/** Points per metric; beyond it every other point is dropped, which keeps the curve's shape. */
const MAX_POINTS = 4000;
const SHOW_EVERY_MS = 250;
const SAVE_EVERY_MS = 2000;

function readSaved(): Record<string, MetricSeries> {
  try {
    const value: unknown = JSON.parse(localStorage.getItem(KEY) ?? '{}');
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, MetricSeries>) : {};
  } catch {
    // Damaged storage costs only the curves seen so far; the run itself is unaffected.
    return {};
  }
}

/** Halves a long series, keeping its first and newest points. */
export function thin<T>(points: T[]): T[] {
  return points.filter((_, i) => i % 2 === 0 || i === points.length - 1);
}

export const useTrainingStore = defineStore('training', () => {
  /** Plain data, not reactive: `version` says when the page should look again. */
  const metrics: Record<string, MetricSeries> = readSaved();
  const version = ref(0);
  /** Seen in this page only: the pace of the steps, for the time left. */
  const pace: Record<string, Pace> = {};
  let listening = false;
  let showTimer: ReturnType<typeof setTimeout> | null = null;
  let saveTimer: ReturnType<typeof setTimeout> | null = null;

  function save() {
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = null;
    const ids = Object.keys(metrics);
    for (const id of ids.slice(0, Math.max(0, ids.length - KEEP_JOBS))) delete metrics[id];
    try {
      localStorage.setItem(KEY, JSON.stringify(metrics));
    } catch {
      // Storage full: the live curves still show; only a reload would lose them.
    }
  }

  function show() {
    if (showTimer) clearTimeout(showTimer);
    showTimer = null;
    version.value++;
  }

  function add(m: { id: string; name: string; step: number; value: number }) {
    const series = (metrics[m.id] ??= {});
    const points = (series[m.name] ??= []);
    points.push([m.step, m.value]);
    if (points.length > MAX_POINTS) series[m.name] = thin(points);
    if (m.name === 'loss') {
      const now = Date.now();
      const p = pace[m.id];
      pace[m.id] = p ? { ...p, lastStep: m.step, lastAt: now } : { firstStep: m.step, firstAt: now, lastStep: m.step, lastAt: now };
    }
    showTimer ??= setTimeout(show, SHOW_EVERY_MS);
    saveTimer ??= setTimeout(save, SAVE_EVERY_MS);
  }

  /** Starts collecting; call once when the app starts, so no step's metrics are missed on any page. */
  function listen() {
    if (listening) return;
    listening = true;
    api().on('job.metric', add);
    window.addEventListener('pagehide', save);
  }

  /** Replaces a job's curves with the project's full metrics log when the log has more points. */
  async function fill(projectId: string, jobId: string) {
    const logged = await api().invoke('metrics.read', { projectId, jobId });
    const series: MetricSeries = {};
    for (const m of logged) (series[m.name] ??= []).push([m.step, m.value]);
    const known = metrics[jobId]?.loss?.length ?? 0;
    if ((series.loss?.length ?? 0) <= known) return;
    for (const name of Object.keys(series)) while (series[name].length > MAX_POINTS) series[name] = thin(series[name]);
    metrics[jobId] = series;
    show();
  }

  /** Every metric seen of a job (read inside a computed, it updates as points arrive). */
  function seen(jobId: string): MetricSeries | undefined {
    void version.value;
    return metrics[jobId];
  }

  /** When the first and the latest step of a job were seen in this page. */
  function paceOf(jobId: string): Pace | undefined {
    void version.value;
    return pace[jobId];
  }

  /** The newest value of a metric of a job, or null. */
  function latest(jobId: string, name: string): number | null {
    return seen(jobId)?.[name]?.at(-1)?.[1] ?? null;
  }

  /** Job ids with metrics kept, oldest first. */
  const jobIds = () => {
    void version.value;
    return Object.keys(metrics);
  };

  return { version, listen, add, show, fill, seen, paceOf, latest, jobIds, save };
});
