/**
 * Running a generated program with its tests: a fresh folder, a time and a memory limit, no
 * network, no file writes, and every process it starts ended with it. Only the Linux kernel's
 * own mechanisms and util-linux (present on every Debian/Ubuntu system) are used; no extra
 * package. The layers, outermost first, each used where this machine allows it:
 *
 *  1. namespaces   `unshare --net --pid --fork --kill-child` (as root, or through a user
 *                  namespace otherwise): the program sees a network with no interfaces up, and
 *                  is process 1 of its own PID namespace, so when it ends or is killed the
 *                  kernel ends everything it started.
 *  2. user         as root, `setpriv` drops to nobody:nogroup, who owns no file on the system.
 *  3. rlimits      /bin/sh's ulimit before exec: file size 0 (any data written to a file ends the
 *                  process with SIGXFSZ), CPU seconds, address space (Python) or V8's heap
 *                  limit (JavaScript), open files, and processes (as nobody).
 *  4. guards       sandbox-guards.ts inside the interpreter, plus Node's permission model
 *                  (no file writes, no child processes, reads only of the run's folder).
 *  5. the clock    the whole process group is killed when the time limit passes.
 *
 * What is NOT provided: a seccomp filter or a read-only view of the file system, so a program
 * can read files its user may read (as nobody: world-readable ones), and where namespaces are
 * not allowed (some containers), "no network" rests on the in-process guard alone. The task
 * report lists the layers in force. Python runs through the python3 on PATH (3.8 or later, for
 * audit hooks); JavaScript through this app's own Node (Electron run as Node in the desktop app).
 */
import { execFile, spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { CodeLanguage, SandboxReport, SandboxStatus } from '../../../shared/evaluation.js';
import { GUARD_EXIT, JAVASCRIPT_GUARD, PYTHON_GUARD, STOP_MARK } from './sandbox-guards.js';

const run = promisify(execFile);

export interface SandboxLimits {
  timeoutSeconds: number;
  memoryMB: number;
}

export const DEFAULT_SANDBOX_LIMITS: SandboxLimits = { timeoutSeconds: 10, memoryMB: 1024 };

export interface SandboxRun {
  status: SandboxStatus;
  /** The tail of the program's output (errors first), for the report. */
  detail: string;
  seconds: number;
}

/** Output beyond this ends the program (a print loop must not fill the memory). */
const OUTPUT_LIMIT_BYTES = 64 * 1024;
const DETAIL_CHARS = 600;
const NOBODY = 65534;
/** Processes nobody may have at once (threads count; Node needs a dozen). */
const NOBODY_PROCESSES = 64;
/** V8 reserves address space well beyond its heap: JavaScript gets this much on top of its heap limit. */
const NODE_ADDRESS_SPACE_EXTRA_MB = 1024;

interface Interpreter {
  command: string;
  args: string[];
  env: Record<string, string>;
  /** Extra flags that put the program in a permission model, given the run's folder; empty where there is none. */
  permissionArgs: (dir: string) => string[];
  version: string;
  guardFile: string;
  programFile: string;
  guard: string;
}

interface Isolation {
  namespaces: string[] | null;
  dropUser: boolean;
}

export class Sandbox {
  private constructor(
    readonly language: CodeLanguage,
    private readonly interpreter: Interpreter,
    private readonly isolation: Isolation,
  ) {}

  /** The sandbox for a language on this machine, or why its programs cannot run here. */
  static async open(language: CodeLanguage): Promise<Sandbox | { notRun: string }> {
    const interpreter = language === 'python' ? await findPython() : await findNode();
    if ('notRun' in interpreter) return interpreter;
    const isolation = await probeIsolation(interpreter);
    return new Sandbox(language, interpreter, isolation);
  }

  report(limits: SandboxLimits): SandboxReport {
    const isolation = [`a fresh temporary folder per program, removed afterwards`];
    if (this.isolation.namespaces) isolation.push('own network namespace (no network) and PID namespace (all its processes end with it)');
    else isolation.push('no namespaces on this machine: network blocked only inside the interpreter');
    if (this.isolation.dropUser) isolation.push(`runs as nobody:nogroup`);
    if (hasShell()) {
      isolation.push(
        'file size limit 0 (writing data to any file ends the program)',
        `CPU time ${cpuSeconds(limits)} s`,
        this.language === 'python' ? `address space ${limits.memoryMB} MB` : `V8 heap ${limits.memoryMB} MB`,
      );
    }
    if (this.interpreter.permissionArgs('').length) isolation.push("Node's permission model: no file writes, no child processes, reads only in its folder");
    isolation.push('in-process guard: file writes, network, processes and native code stop the program', `killed after ${limits.timeoutSeconds} s`);
    return {
      language: this.language,
      interpreter: `${this.interpreter.command} (${this.interpreter.version})`,
      timeoutSeconds: limits.timeoutSeconds,
      memoryMB: limits.memoryMB,
      isolation,
    };
  }

  /** Runs one program; it passes when it exits with status 0 within the limits. */
  async run(program: string, limits: SandboxLimits, signal?: AbortSignal): Promise<SandboxRun> {
    const dir = await mkdtemp(join(tmpdir(), 'slayer-sandbox-'));
    const started = performance.now();
    try {
      const i = this.interpreter;
      await writeFile(join(dir, i.guardFile), i.guard, { mode: 0o644 });
      await writeFile(join(dir, i.programFile), program, { mode: 0o644 });
      if (this.isolation.dropUser) await chmod(dir, 0o755);
      const argv = commandLine(i, this.isolation, limits, dir);
      return await watch(argv, dir, i.env, limits, signal, started);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

function cpuSeconds(limits: SandboxLimits): number {
  return Math.ceil(limits.timeoutSeconds) + 1;
}

function hasShell(): boolean {
  return process.platform !== 'win32' && existsSync('/bin/sh');
}

/** The full command: namespaces, user, limits, then the interpreter with its guard and the program. */
function commandLine(i: Interpreter, iso: Isolation, limits: SandboxLimits, dir: string): string[] {
  const inner = [i.command, ...i.args, ...i.permissionArgs(dir)];
  if (i.guardFile.endsWith('.cjs')) inner.push(`--max-old-space-size=${limits.memoryMB}`, '--require', join(dir, i.guardFile), join(dir, i.programFile));
  else inner.push(join(dir, i.guardFile), join(dir, i.programFile));
  let argv = inner;
  if (hasShell()) {
    const addressMB = i.guardFile.endsWith('.cjs') ? limits.memoryMB + NODE_ADDRESS_SPACE_EXTRA_MB : limits.memoryMB;
    const ulimits = [`ulimit -f 0`, `ulimit -t ${cpuSeconds(limits)}`, `ulimit -v ${addressMB * 1024}`, `ulimit -n 256`];
    if (iso.dropUser) ulimits.push(`ulimit -p ${NOBODY_PROCESSES}`);
    argv = ['/bin/sh', '-c', `${ulimits.join('; ')}; exec "$0" "$@"`, ...inner];
  }
  if (iso.dropUser) argv = ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--', ...argv];
  if (iso.namespaces) argv = [...iso.namespaces, '--', ...argv];
  return argv;
}

/** Spawns the command in its own process group and turns what happens into a status. */
function watch(
  argv: string[],
  dir: string,
  env: Record<string, string>,
  limits: SandboxLimits,
  signal: AbortSignal | undefined,
  started: number,
): Promise<SandboxRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { cwd: dir, env, detached: process.platform !== 'win32', stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: { stream: 'out' | 'err'; text: string }[] = [];
    let bytes = 0;
    let ended: SandboxStatus | null = null;
    const kill = (why: SandboxStatus) => {
      ended ??= why;
      try {
        if (child.pid !== undefined) process.kill(process.platform === 'win32' ? child.pid : -child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => kill('timeout'), limits.timeoutSeconds * 1000);
    const onAbort = () => kill('failed');
    signal?.addEventListener('abort', onAbort, { once: true });
    const collect = (stream: 'out' | 'err') => (data: Buffer) => {
      bytes += data.length;
      if (bytes > OUTPUT_LIMIT_BYTES) kill('output-limit');
      else chunks.push({ stream, text: data.toString('utf8') });
    };
    child.stdout.on('data', collect('out'));
    child.stderr.on('data', collect('err'));
    child.on('error', (e) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      reject(e);
    });
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      const stderr = chunks
        .filter((c) => c.stream === 'err')
        .map((c) => c.text)
        .join('');
      const stdout = chunks
        .filter((c) => c.stream === 'out')
        .map((c) => c.text)
        .join('');
      const seconds = (performance.now() - started) / 1000;
      const status = ended ?? classify(code, sig, stderr);
      const detail = `${stderr}${stderr && stdout ? '\n' : ''}${stdout}`.trim();
      resolve({ status, detail: detail.length > DETAIL_CHARS ? `…${detail.slice(-DETAIL_CHARS)}` : detail, seconds });
    });
  });
}

function classify(code: number | null, sig: NodeJS.Signals | null, stderr: string): SandboxStatus {
  if (code === 0) return 'passed';
  const stop = new RegExp(`${STOP_MARK} (file-write|network|process)`).exec(stderr);
  if (code === GUARD_EXIT && stop) return stop[1] as SandboxStatus;
  if (sig === 'SIGXFSZ') return 'file-write';
  if (sig === 'SIGXCPU' || sig === 'SIGKILL') return 'timeout';
  if (/MemoryError|JavaScript heap out of memory|Allocation failed|Cannot allocate memory|std::bad_alloc/.test(stderr)) return 'memory';
  return 'failed';
}

const SANDBOX_ENV = { PATH: '/usr/local/bin:/usr/bin:/bin', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };

async function findPython(): Promise<Interpreter | { notRun: string }> {
  const missing =
    'python3 is not installed on this machine, so the Python programs of this task cannot run. Install Python 3.8 or later (Debian: apt-get install python3) and evaluate again.';
  let out: string;
  try {
    ({ stdout: out } = await run('python3', ['-I', '-c', 'import sys; print(sys.executable); print("%d.%d.%d" % sys.version_info[:3])'], { timeout: 20_000 }));
  } catch {
    return { notRun: missing };
  }
  const [executable, version] = out.trim().split('\n');
  const [major, minor] = version.split('.').map(Number);
  if (!executable || major !== 3 || minor < 8)
    return { notRun: `python3 here is ${version ?? 'unknown'}; the sandbox needs Python 3.8 or later (audit hooks). ${missing}` };
  return {
    command: executable,
    args: ['-I', '-B'],
    env: { ...SANDBOX_ENV, PYTHONHASHSEED: '0', PYTHONIOENCODING: 'utf-8', PYTHONDONTWRITEBYTECODE: '1' },
    permissionArgs: () => [],
    version: `Python ${version}`,
    guardFile: 'guard.py',
    programFile: 'solution.py',
    guard: PYTHON_GUARD,
  };
}

async function findNode(): Promise<Interpreter> {
  // In the desktop app this process is Electron; ELECTRON_RUN_AS_NODE makes its binary a plain Node.
  const env: Record<string, string> = { ...SANDBOX_ENV, NODE_OPTIONS: '', ...(process.versions.electron ? { ELECTRON_RUN_AS_NODE: '1' } : {}) };
  const command = process.execPath;
  const base: Interpreter = {
    command,
    args: ['--no-warnings'],
    env,
    permissionArgs: () => [],
    version: `Node ${process.versions.node}`,
    guardFile: 'guard.cjs',
    programFile: 'solution.cjs',
    guard: JAVASCRIPT_GUARD,
  };
  for (const flag of ['--permission', '--experimental-permission']) {
    try {
      await run(command, ['--no-warnings', flag, '--allow-fs-read=*', '-e', '0'], { env, timeout: 20_000 });
      return { ...base, permissionArgs: (dir) => [flag, `--allow-fs-read=${join(dir, '*')}`] };
    } catch {
      // This Node has no permission model under that name.
    }
  }
  return base;
}

/** The isolation this machine allows, tried once with the interpreter itself. */
async function probeIsolation(i: Interpreter): Promise<Isolation> {
  if (process.platform !== 'linux') return { namespaces: null, dropUser: false };
  const root = process.getuid?.() === 0;
  const candidates: Isolation[] = [];
  const namespaces = root
    ? ['unshare', '--net', '--pid', '--fork', '--kill-child']
    : ['unshare', '--user', '--map-root-user', '--net', '--pid', '--fork', '--kill-child'];
  if (root) candidates.push({ namespaces, dropUser: true });
  candidates.push({ namespaces, dropUser: false });
  if (root) candidates.push({ namespaces: null, dropUser: true });
  const dir = await mkdtemp(join(tmpdir(), 'slayer-sandbox-probe-'));
  try {
    await writeFile(join(dir, i.guardFile), i.guard, { mode: 0o644 });
    await writeFile(join(dir, i.programFile), i.guardFile.endsWith('.py') ? 'print("ok")\n' : 'console.log("ok");\n', { mode: 0o644 });
    await chmod(dir, 0o755);
    for (const iso of candidates) {
      const argv = commandLine(i, iso, DEFAULT_SANDBOX_LIMITS, dir);
      try {
        const { stdout } = await run(argv[0], argv.slice(1), { cwd: dir, env: i.env, timeout: 30_000 });
        if (stdout.trim() === 'ok') return iso;
      } catch {
        // Not allowed here (no unshare, no user namespaces, or the interpreter is not readable by nobody).
      }
    }
    return { namespaces: null, dropUser: false };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
