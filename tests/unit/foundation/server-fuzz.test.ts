/**
 * Fuzz of the browser-mode server, on loopback only (127.0.0.1): a few thousand requests generated
 * from a fixed seed — malformed request lines and headers on raw sockets, lying or slow bodies,
 * odd methods and encodings, and ordinary HTTP requests — against the server in its own process.
 * The run is bounded (a request count and a deadline). Afterwards the server must still be alive
 * and answer, no response may be a 5xx or a 2xx without the token, every refusal carries a plain
 * message, and no job or project file may have changed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { Agent, request, type ClientRequest } from 'node:http';
import { connect } from 'node:net';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../../helpers/tmp.js';
import { rawRequest, type RawResponse } from './raw-http.js';

const SEED = 0x5eed17;
const REQUESTS = 3000;
const CONCURRENCY = 16;
/** The fuzz stops generating at this point even if REQUESTS are not all sent (a very slow machine). */
const DEADLINE_MS = 150_000;
/** Longer than the fixture's request timeout (2 s) plus Node's 1 s timeout check. */
const REQUEST_WAIT_MS = 6000;
/** Idle connections opened at once: more than the server's connection limit (256). */
const FLOOD = 320;

/** mulberry32: a small seeded generator, so every run sends the same requests. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** API methods that only read; any other method name is sent only with a body that can never reach its handler. */
const READ_ONLY = ['app.info', 'settings.get', 'projects.list', 'jobs.list', 'projects.get', 'jobs.get'];
const MUTATING = ['projects.create', 'projects.delete', 'projects.update', 'settings.update', 'jobs.start', 'jobs.cancel', 'report.write', 'plan.save'];
const UNKNOWN = ['rm.rf', '__proto__', 'constructor', 'toString', '', '.', '..'];

interface Case {
  label: string;
  method: string;
  /** Raw bytes on a fresh socket, or an ordinary request through Node's HTTP client on kept-alive connections. */
  transport: 'raw' | 'http';
  chunks: (string | Buffer)[];
  http?: { path: string; headers: Record<string, string>; body: string };
  gapMs: number;
  endAfterWrite: boolean;
  /** Carries a valid token and Host somewhere: only these may get a 2xx. */
  mayPass: boolean;
}

function generator(port: number, token: string) {
  const rng = seeded(SEED);
  const int = (n: number) => Math.floor(rng() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)];
  const chance = (p: number) => rng() < p;
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
  const printable = (n: number) => Array.from({ length: n }, () => String.fromCharCode(32 + int(95))).join('');

  /** A method name, percent-encoded or broken in one of several ways. */
  function encodeName(name: string): string {
    switch (int(5)) {
      case 0:
        return name.replace(/\./g, '%2E');
      case 1:
        return `${name}%E0%A4%A`;
      case 2:
        return encodeURIComponent(name).replace(/%/g, '%25');
      case 3:
        return `${name}%`;
      default:
        return name;
    }
  }

  function target(): { path: string; mutating: boolean; readOnly: boolean } {
    const roll = int(10);
    if (roll < 4) {
      const group = int(3);
      const name = group === 0 ? pick(READ_ONLY) : group === 1 ? pick(MUTATING) : pick(UNKNOWN);
      return { path: `/api/invoke/${encodeName(name)}`, mutating: group === 1, readOnly: group !== 1 };
    }
    const paths = [
      '/',
      '/index.html',
      '/assets/app.js',
      '/api/events',
      '/api/invoke',
      '/api/invoke/',
      '/%E0%A4%A',
      '/%',
      '/%zz',
      '/%00',
      '/%C0%AE%C0%AE/%C0%AE%C0%AE/etc/passwd',
      '/..%2f..%2f..%2fetc%2fpasswd',
      '/../../etc/passwd',
      '//etc/passwd',
      '/assets/../../package.json',
      '/\u00e9t\u00e9',
      '*',
      `http://127.0.0.1:${port}/`,
      'http://[',
      `/${'a'.repeat(8000)}`,
      `/${printable(40).replace(/ /g, '%20')}`,
    ];
    return { path: pick(paths), mutating: false, readOnly: true };
  }

  /** An ordinary request as a browser or script would send it: valid HTTP, odd in method, address, headers or body. */
  function httpCase(i: number): Case {
    const method = pick(['GET', 'GET', 'POST', 'POST', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH', 'PROPFIND']);
    const { path: raw, mutating } = target();
    const path = raw.replace(/[^\x21-\x7e]/g, (c) => encodeURIComponent(c));
    const tokenPlace = chance(0.7) ? pick(['header', 'query', 'cookie']) : pick(['bad', 'none']);
    const headers: Record<string, string> = {};
    if (chance(0.15)) headers.host = pick([`evil.example:${port}`, `127.0.0.1:${port + 1}`, 'localhost']);
    if (tokenPlace === 'header') headers['x-slayer-token'] = token;
    if (tokenPlace === 'cookie') headers.cookie = `slayer_token=${token}`;
    if (tokenPlace === 'bad') headers['x-slayer-token'] = 'f'.repeat(token.length);
    const type = pick(['application/json', 'application/json', 'text/plain', 'application/x-www-form-urlencoded', 'none']);
    if (type !== 'none') headers['content-type'] = type;
    const body = mutating ? pick(['{"nope', '{', 'x'.repeat((1 << 20) + 10)]) : pick(['', '{}', '{"id":"nope"}', '[1,2', 'null', '"text"']);
    const query = tokenPlace === 'query' ? `${path.includes('?') ? '&' : '?'}token=${token}` : '';
    return {
      label: `#${i} http ${method} ${path.slice(0, 40)} token:${tokenPlace} type:${type} body:${body.slice(0, 12)}`,
      method,
      transport: 'http',
      chunks: [],
      http: { path: `${path}${query}`, headers, body: method === 'GET' || method === 'HEAD' ? '' : body },
      gapMs: 0,
      endAfterWrite: false,
      mayPass: !headers.host && tokenPlace !== 'bad' && tokenPlace !== 'none',
    };
  }

  return function next(i: number): Case {
    if (chance(0.2)) return httpCase(i);
    // One request in twenty is bytes that are not HTTP at all.
    if (chance(0.05))
      return { label: 'random bytes', method: '', transport: 'raw', chunks: [bytes(1 + int(300))], gapMs: 0, endAfterWrite: chance(0.5), mayPass: false };

    const method = chance(0.7)
      ? pick(['GET', 'POST'])
      : pick(['PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH', 'TRACE', 'PROPFIND', 'CONNECT', 'FROB', 'get', 'G T', '']);
    const { path, mutating, readOnly } = target();
    const tokenPlace = chance(0.6) ? pick(['header', 'query', 'cookie']) : pick(['bad', 'none', 'empty']);
    const hostKind = chance(0.7) ? pick(['good', 'localhost']) : pick(['foreign', 'missing', 'double', 'port']);
    const version = chance(0.85) ? 'HTTP/1.1' : pick(['HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1 extra', 'HTP/1.1', '']);
    const query = tokenPlace === 'query' ? `${path.includes('?') ? '&' : '?'}token=${token}` : chance(0.1) ? '?token=%' : '';
    const eol = chance(0.03) ? '\n' : '\r\n';

    const headers: string[] = [];
    if (hostKind === 'good') headers.push(`Host: 127.0.0.1:${port}`);
    if (hostKind === 'localhost') headers.push(`Host: localhost:${port}`);
    if (hostKind === 'foreign') headers.push(`Host: evil.example:${port}`);
    if (hostKind === 'double') headers.push(`Host: 127.0.0.1:${port}`, 'Host: evil.example');
    if (hostKind === 'port') headers.push(`Host: 127.0.0.1:${port + 1}`);
    if (tokenPlace === 'header') headers.push(`X-Slayer-Token: ${token}`);
    if (tokenPlace === 'cookie') headers.push(`Cookie: a=b; slayer_token=${token}`);
    if (tokenPlace === 'bad') headers.push(`X-Slayer-Token: ${token.slice(0, -1)}0`);
    if (tokenPlace === 'empty') headers.push('X-Slayer-Token: ');

    // The body, and whether it could reach a handler (valid JSON, declared as JSON, complete).
    const bodyKind = pick(['none', 'json', 'json', 'bad-json', 'binary', 'chunked', 'bad-chunked', 'short', 'long-cl', 'slow', 'oversize', 'cl-te']);
    const contentType = pick([
      'application/json',
      'application/json',
      'application/json; charset=utf-8',
      'text/plain',
      'none',
      'multipart/form-data; boundary=x',
      printable(12),
    ]);
    const jsonBody = pick(['{}', '{"id":"nope"}', '[]', 'null', '{"path":"/"}', '{"__proto__":{"x":1}}']);
    const safeBody = mutating ? pick(['{"nope', '\u0000{}', '{']) : jsonBody;
    if (contentType !== 'none') headers.push(`Content-Type: ${contentType}`);

    // Junk headers: too large, too many, malformed, or asking for upgrades the server does not do.
    const junk = chance(0.3) ? int(9) : -1;
    if (junk === 0) headers.push(`X-Padding: ${'a'.repeat(17_000 + int(10_000))}`);
    if (junk === 1) for (let h = 0; h < 150; h++) headers.push(`X-H${h}: ${printable(8)}`);
    if (junk === 2) headers.push(`Bad Header: ${printable(5)}`);
    if (junk === 3) headers.push(`X-Ctl: a\u0001b`);
    if (junk === 4) headers.push('X-Fold: a', ' folded continuation');
    if (junk === 5) headers.push('Expect: 100-continue');
    if (junk === 6) headers.push('Expect: teapot');
    if (junk === 7) headers.push('Upgrade: websocket', 'Connection: Upgrade');
    if (junk === 8) headers.push(`Cookie: ${printable(30)}`);

    const body = bodyKind === 'bad-json' ? '{"nope' : bodyKind === 'binary' ? '\u0000\u0001\u00ff' : safeBody;
    let tail: (string | Buffer)[] = [];
    let gapMs = 0;
    let endAfterWrite = chance(0.1);
    switch (bodyKind) {
      case 'none':
        break;
      case 'json':
      case 'bad-json':
      case 'binary':
        headers.push(`Content-Length: ${Buffer.byteLength(body)}`);
        tail = [body];
        break;
      case 'chunked':
        headers.push('Transfer-Encoding: chunked');
        tail = [`${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`];
        break;
      case 'bad-chunked':
        headers.push('Transfer-Encoding: chunked');
        tail = [`zz\r\n${body}\r\n`];
        break;
      case 'short':
        // Declares more than it sends, then gives up.
        headers.push('Content-Length: 100');
        tail = [body.slice(0, 2)];
        endAfterWrite = true;
        break;
      case 'long-cl':
        headers.push(`Content-Length: ${pick(['-1', 'abc', '1, 2', '99999999999999999999'])}`);
        tail = [body];
        break;
      case 'slow':
        // A few bytes at a time, too slowly to finish before the request timeout.
        headers.push('Content-Length: 40');
        tail = ['{', '"', 'a'];
        gapMs = 900;
        break;
      case 'oversize':
        headers.push(`Content-Length: ${(1 << 20) + 1 + int(1000)}`);
        tail = [Buffer.alloc(16_384, 0x20)];
        break;
      case 'cl-te':
        headers.push(`Content-Length: ${Buffer.byteLength(body)}`, 'Transfer-Encoding: chunked');
        tail = [body];
        break;
    }
    const head = `${method} ${path}${query}${version ? ` ${version}` : ''}${eol}${headers.join(eol)}${eol}${eol}`;
    // Now and then a second, good request on the same connection (pipelining).
    const pipelined = chance(0.05) ? [`GET /?token=${token} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`] : [];
    const hostOk = hostKind === 'good' || hostKind === 'localhost';
    const tokenOk = tokenPlace === 'header' || tokenPlace === 'query' || tokenPlace === 'cookie';
    return {
      method,
      transport: 'raw',
      label: `#${i} ${method} ${path.slice(0, 40)} token:${tokenPlace} host:${hostKind} body:${bodyKind} ${readOnly ? '' : '(mutating name)'}`,
      chunks: gapMs ? [head, ...tail] : [Buffer.concat([head, ...tail, ...pipelined].map((c) => Buffer.from(c)))],
      gapMs,
      endAfterWrite,
      mayPass: hostOk && tokenOk,
    };
  };
}

/** One ordinary request through Node's HTTP client; a connection error reads as "no answer". */
function httpRequest(port: number, agent: Agent, c: Case): Promise<RawResponse> {
  const started = Date.now();
  const { path, headers, body } = c.http!;
  return new Promise((resolve) => {
    const none = () => resolve({ status: null, headers: {}, body: '', ms: Date.now() - started });
    let req: ClientRequest;
    try {
      req = request({ host: '127.0.0.1', port, method: c.method, path, headers, agent, timeout: REQUEST_WAIT_MS }, (res) => {
        if (res.headers['content-type'] === 'text/event-stream') {
          // An event stream never ends by itself: its head is the answer.
          req.destroy();
          return resolve({ status: res.statusCode ?? null, headers: res.headers as Record<string, string>, body: '', ms: Date.now() - started });
        }
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? null, headers: res.headers as Record<string, string>, body: text, ms: Date.now() - started }));
        res.on('error', none);
      });
    } catch {
      return none();
    }
    req.on('error', none);
    req.on('timeout', () => req.destroy());
    req.end(body);
  });
}

/** Every file under `dir` with its SHA-256: the state that must not change. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = join(entry.parentPath, entry.name);
    out[relative(dir, full)] = createHash('sha256')
      .update(await readFile(full))
      .digest('hex');
  }
  return out;
}

describe('browser-mode server under fuzz (loopback only)', () => {
  let t: Awaited<ReturnType<typeof tempDir>>;
  let child: ChildProcess;
  let stderr = '';
  let port = 0;
  let token = '';
  const home = () => join(t.dir, 'home');

  async function api(method: string, body: unknown): Promise<{ ok: boolean; value?: any; error?: string }> {
    const res = await fetch(`http://127.0.0.1:${port}/api/invoke/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-slayer-token': token },
      body: JSON.stringify(body),
    });
    return res.json();
  }

  beforeAll(async () => {
    t = await tempDir('slayer-fuzz-');
    const renderer = join(t.dir, 'renderer');
    await mkdir(join(renderer, 'assets'), { recursive: true });
    await writeFile(join(renderer, 'index.html'), '<html>app</html>');
    await writeFile(join(renderer, 'assets', 'app.js'), 'console.log(1)');
    await mkdir(join(t.dir, 'docs'));
    await writeFile(join(t.dir, 'docs', 'a.txt'), 'some text');
    const fixture = fileURLToPath(new URL('./serve-fixture.ts', import.meta.url));
    child = spawn(process.execPath, ['--import', 'tsx', fixture, home(), renderer], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stderr!.on('data', (d) => (stderr += d));
    const first = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`The server fixture exited (${code}): ${stderr}`)));
    });
    ({ port, token } = JSON.parse(first));

    // Something to protect: a project and a finished job on disk.
    const project = await api('projects.create', { name: 'Fuzz target', domain: 'code' });
    expect(project.ok).toBe(true);
    const job = await api('jobs.start', { kind: 'hash-folder', params: { path: join(t.dir, 'docs') }, projectId: project.value.id });
    expect(job.ok).toBe(true);
    for (let tries = 0; tries < 600; tries++) {
      const state = (await api('jobs.get', { id: job.value.id })).value?.state;
      if (state !== 'queued' && state !== 'running') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await api('jobs.get', { id: job.value.id })).value.state).toBe('succeeded');
  });

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    await t?.cleanup();
  });

  it('survives a few thousand generated requests and a connection flood; nothing on disk changes', async () => {
    const before = await snapshot(home());
    expect(Object.keys(before).some((f) => f.startsWith('jobs'))).toBe(true);
    expect(Object.keys(before).some((f) => f.startsWith('projects'))).toBe(true);

    const next = generator(port, token);
    const cases = Array.from({ length: REQUESTS }, (_, i) => next(i));
    const results: { c: Case; r: RawResponse }[] = [];
    const started = Date.now();
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    let index = 0;
    const worker = async () => {
      while (index < cases.length && Date.now() - started < DEADLINE_MS) {
        const c = cases[index++];
        const r =
          c.transport === 'http'
            ? await httpRequest(port, agent, c)
            : await rawRequest(port, '', { chunks: c.chunks, gapMs: c.gapMs, endAfterWrite: c.endAfterWrite, timeoutMs: REQUEST_WAIT_MS });
        results.push({ c, r });
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    agent.destroy();

    // A flood of idle connections, more than the server keeps; it drops the excess and times out the rest.
    const sockets = Array.from({ length: FLOOD }, () => connect({ host: '127.0.0.1', port }).on('error', () => {}));
    await new Promise((r) => setTimeout(r, 500));
    for (const s of sockets) s.destroy();
    const elapsed = Date.now() - started;

    // First of all: the server process is still there.
    expect(child.exitCode, `the server exited: ${stderr}`).toBeNull();
    const byStatus: Record<string, number> = {};
    for (const { c, r } of results) {
      const key = `${c.transport} ${r.status}`;
      byStatus[key] = (byStatus[key] ?? 0) + 1;
    }
    console.log(`fuzz: ${results.length} requests in ${elapsed} ms (seed ${SEED.toString(16)}), statuses ${JSON.stringify(byStatus)}`);

    expect(results.length, `only ${results.length} of ${REQUESTS} requests were sent before the deadline`).toBe(REQUESTS);
    for (const { c, r } of results) {
      if (r.status === null) continue;
      expect(r.status, c.label).toBeLessThan(500);
      expect(r.status, c.label).toBeGreaterThanOrEqual(200);
      if (!c.mayPass) expect(r.status, `${c.label} passed without a valid token and Host`).toBeGreaterThanOrEqual(400);
      if (r.status >= 400 && c.method !== 'HEAD') expect(r.body.trim(), `${c.label}: a refusal says why`).not.toBe('');
      expect(r.body, c.label).not.toMatch(/\n\s+at .*:\d+:\d+/);
    }
    // The server answered requests that arrived whole; silence is only for requests that never finished.
    const unanswered = results.filter(({ c, r }) => r.status === null && !c.endAfterWrite && c.gapMs === 0);
    expect(
      unanswered.map(({ c }) => c.label),
      'complete requests without an answer',
    ).toEqual([]);

    // Still alive, still answering, nothing changed on disk.
    expect(child.exitCode, `the server exited: ${stderr}`).toBeNull();
    const info = await api('app.info', {});
    expect(info).toMatchObject({ ok: true, value: { mode: 'browser' } });
    const page = await fetch(`http://127.0.0.1:${port}/?token=${token}`);
    expect(page.status).toBe(200);
    expect(await snapshot(home())).toEqual(before);
    expect(stderr, 'the server logged a failure').not.toMatch(/Unhandled|uncaught|URIError| failed: /i);
  }, 240_000);
});
