import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'node:http';
import { Backend } from '../../../src/main/api/backend.js';
import { forkLauncher } from '../../../src/main/jobs/launcher.js';
import { serve, type RunningServer } from '../../../src/main/server/server.js';
import { tempDir } from '../../helpers/tmp.js';
import { rawRequest } from './raw-http.js';

function http(port: number, path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return new Promise<{ status: number; body: string; headers: Record<string, unknown> }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    if (opts.body) req.write(opts.body);
    req.end();
  });
}

const json = { 'content-type': 'application/json' };

describe('browser mode server', () => {
  let t: Awaited<ReturnType<typeof tempDir>>;
  let backend: Backend;
  let server: RunningServer;

  beforeAll(async () => {
    t = await tempDir();
    const renderer = join(t.dir, 'renderer');
    await mkdir(join(renderer, 'assets'), { recursive: true });
    await writeFile(join(renderer, 'index.html'), '<html>app</html>');
    await writeFile(join(renderer, 'assets', 'app.js'), 'console.log(1)');
    backend = await Backend.create({ home: join(t.dir, 'home'), mode: 'browser', launcher: forkLauncher });
    server = await serve({ backend, rendererDir: renderer, port: 0 });
  });
  afterAll(async () => {
    await server.close();
    await backend.close();
    await t.cleanup();
  });

  it('listens on the loopback address only', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{48}$/);
  });

  it('refuses the page, assets, API and event stream without the token', async () => {
    const host = { host: `127.0.0.1:${server.port}` };
    for (const [path, method] of [
      ['/', 'GET'],
      ['/assets/app.js', 'GET'],
      ['/api/events', 'GET'],
      ['/api/invoke/app.info', 'POST'],
    ]) {
      const res = await http(server.port, path, { method, headers: { ...host, ...json }, body: method === 'POST' ? '{}' : undefined });
      expect(res.status, `${method} ${path}`).toBe(403);
    }
    const wrong = await http(server.port, '/api/invoke/app.info', {
      method: 'POST',
      headers: { ...host, ...json, 'x-slayer-token': 'f'.repeat(48) },
      body: '{}',
    });
    expect(wrong.status).toBe(403);
  });

  it('refuses a foreign Host header even with the token (DNS rebinding)', async () => {
    const res = await http(server.port, `/?token=${server.token}`, { headers: { host: `evil.example:${server.port}` } });
    expect(res.status).toBe(403);
  });

  it('serves the page with the token and sets a strict cookie for its assets', async () => {
    const page = await http(server.port, `/?token=${server.token}`, { headers: { host: `127.0.0.1:${server.port}` } });
    expect(page.status).toBe(200);
    expect(page.body).toBe('<html>app</html>');
    expect(String(page.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);
    expect(String(page.headers['content-security-policy'])).toMatch(/default-src 'self'/);
    const asset = await http(server.port, '/assets/app.js', { headers: { host: `127.0.0.1:${server.port}`, cookie: `slayer_token=${server.token}` } });
    expect(asset.status).toBe(200);
    const escape = await http(server.port, '/..%2f..%2fetc%2fpasswd', {
      headers: { host: `127.0.0.1:${server.port}`, cookie: `slayer_token=${server.token}` },
    });
    expect([403, 404]).toContain(escape.status);
  });

  it('answers API calls with envelopes and validates input in plain language', async () => {
    const headers = { host: `127.0.0.1:${server.port}`, 'x-slayer-token': server.token, ...json };
    const info = JSON.parse((await http(server.port, '/api/invoke/app.info', { method: 'POST', headers, body: '{}' })).body);
    expect(info.ok).toBe(true);
    expect(info.value.mode).toBe('browser');
    const bad = JSON.parse((await http(server.port, '/api/invoke/settings.update', { method: 'POST', headers, body: '{"threads":0}' })).body);
    expect(bad).toEqual({ ok: false, error: expect.stringMatching(/"threads".*1/) });
    const missing = JSON.parse(
      (
        await http(server.port, '/api/invoke/jobs.start', {
          method: 'POST',
          headers,
          body: JSON.stringify({ kind: 'hash-folder', params: { path: join(t.dir, 'nope') } }),
        })
      ).body,
    );
    expect(missing.ok).toBe(false);
    expect(missing.error).toMatch(/does not exist/);
    const unknown = JSON.parse((await http(server.port, '/api/invoke/rm.rf', { method: 'POST', headers, body: '{}' })).body);
    expect(unknown.error).toMatch(/Unknown request/);
  });

  describe('refuses what it does not serve with one plain 4xx line, and keeps serving', () => {
    const head = (lines: string[]) => `${lines.join('\r\n')}\r\n\r\n`;
    const authed = () => [`Host: 127.0.0.1:${server.port}`, `X-Slayer-Token: ${server.token}`];
    const stillServes = async () => {
      const page = await http(server.port, `/?token=${server.token}`, { headers: { host: `127.0.0.1:${server.port}` } });
      expect(page.status).toBe(200);
    };
    const oneLine = (body: string) => {
      expect(body.trim()).not.toBe('');
      expect(body.trim()).not.toMatch(/\n|\bat .*:\d+:\d+/);
    };

    it('a malformed %-escape in a page or API address (GET /%E0%A4%A used to kill the server)', async () => {
      const page = await rawRequest(server.port, head(['GET /%E0%A4%A HTTP/1.1', ...authed()]));
      expect(page.status).toBe(400);
      expect(page.body).toMatch(/malformed %-escape/);
      oneLine(page.body);
      const api = await rawRequest(
        server.port,
        head(['POST /api/invoke/%E0%A4%A HTTP/1.1', ...authed(), 'Content-Type: application/json', 'Content-Length: 2']) + '{}',
      );
      expect(api.status).toBe(400);
      expect(JSON.parse(api.body)).toEqual({ ok: false, error: expect.stringMatching(/malformed %-escape/) });
      const nul = await rawRequest(server.port, head(['GET /%00 HTTP/1.1', ...authed()]));
      expect(nul.status).toBe(400);
      await stillServes();
    });

    it('a request target that is not a path, and bytes that are not HTTP', async () => {
      for (const target of [`http://127.0.0.1:${server.port}/`, 'http://[', '*']) {
        const res = await rawRequest(server.port, head([`GET ${target} HTTP/1.1`, ...authed()]));
        expect(res.status, target).toBe(400);
        oneLine(res.body);
      }
      const garbage = await rawRequest(server.port, Buffer.from([0, 1, 2, 0xff, 13, 10, 13, 10]));
      expect(garbage.status).toBe(400);
      oneLine(garbage.body);
      await stillServes();
    });

    it('request headers over the limit (431)', async () => {
      const res = await rawRequest(server.port, head(['GET / HTTP/1.1', ...authed(), `X-Padding: ${'a'.repeat(20_000)}`]));
      expect(res.status).toBe(431);
      expect(res.body).toMatch(/headers are larger than 16384 bytes/);
      await stillServes();
    });

    it('a body over the limit, declared or streamed (413)', async () => {
      const declared = await rawRequest(
        server.port,
        head(['POST /api/invoke/app.info HTTP/1.1', ...authed(), 'Content-Type: application/json', `Content-Length: ${2 << 20}`]),
      );
      expect(declared.status).toBe(413);
      expect(JSON.parse(declared.body).error).toMatch(/larger than 1048576 bytes/);
      expect(declared.headers.connection).toBe('close');
      const streamed = await rawRequest(server.port, '', {
        chunks: [
          head(['POST /api/invoke/app.info HTTP/1.1', ...authed(), 'Content-Type: application/json', 'Transfer-Encoding: chunked']),
          ...Array.from({ length: 20 }, () => `10000\r\n${'x'.repeat(0x10000)}\r\n`),
        ],
        gapMs: 5,
      });
      expect(streamed.status).toBe(413);
      await stillServes();
    });

    it('methods the server does not serve (400 for unknown, 405 with Allow for known ones)', async () => {
      const unknown = await rawRequest(server.port, head(['FROBNICATE / HTTP/1.1', ...authed()]));
      expect(unknown.status).toBe(400);
      for (const [method, path, allow] of [
        ['PUT', '/', 'GET, HEAD'],
        ['DELETE', '/api/invoke/projects.list', 'POST'],
        ['GET', '/api/invoke/projects.list', 'POST'],
        ['POST', '/api/events', 'GET'],
        ['PROPFIND', '/index.html', 'GET, HEAD'],
      ]) {
        const res = await rawRequest(server.port, head([`${method} ${path} HTTP/1.1`, ...authed(), 'Content-Length: 0']));
        expect(res.status, `${method} ${path}`).toBe(405);
        expect(res.headers.allow).toBe(allow);
      }
      const tunnel = await rawRequest(server.port, head([`CONNECT 127.0.0.1:${server.port} HTTP/1.1`, ...authed()]));
      expect(tunnel.status).toBe(405);
      oneLine(tunnel.body);
      await stillServes();
    });

    it('bodies that are not JSON, or not declared as JSON (400, 415)', async () => {
      const headers = { host: `127.0.0.1:${server.port}`, 'x-slayer-token': server.token };
      const bad = await http(server.port, '/api/invoke/app.info', { method: 'POST', headers: { ...headers, ...json }, body: '{"nope' });
      expect(bad.status).toBe(400);
      expect(JSON.parse(bad.body)).toEqual({ ok: false, error: 'The request body is not valid JSON.' });
      for (const type of [undefined, 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
        const res = await http(server.port, '/api/invoke/app.info', {
          method: 'POST',
          headers: type ? { ...headers, 'content-type': type } : headers,
          body: '{}',
        });
        expect(res.status, String(type)).toBe(415);
        expect(JSON.parse(res.body).error).toMatch(/application\/json/);
      }
      await stillServes();
    });

    it('a body cut short by the client, and a HEAD request', async () => {
      const cut = await rawRequest(
        server.port,
        head(['POST /api/invoke/app.info HTTP/1.1', ...authed(), 'Content-Type: application/json', 'Content-Length: 100']) + '{"a":',
        { endAfterWrite: true, timeoutMs: 2000 },
      );
      expect(cut.status === null || (cut.status >= 400 && cut.status < 500)).toBe(true);
      const headOnly = await rawRequest(server.port, head(['HEAD /index.html HTTP/1.1', ...authed()]), { timeoutMs: 1000 });
      expect(headOnly.status).toBe(200);
      await stillServes();
    });
  });

  describe('with tight limits', () => {
    let tight: RunningServer;
    beforeAll(async () => {
      tight = await serve({
        backend,
        rendererDir: join(t.dir, 'renderer'),
        port: 0,
        limits: { headersTimeoutMs: 500, requestTimeoutMs: 1000, maxEventStreams: 2 },
      });
    });
    afterAll(() => tight.close());

    it('cuts off a slow body and a slow head with 408', async () => {
      const host = `Host: 127.0.0.1:${tight.port}`;
      const slowBody = await rawRequest(tight.port, '', {
        chunks: [
          `POST /api/invoke/app.info HTTP/1.1\r\n${host}\r\nX-Slayer-Token: ${tight.token}\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n`,
          '{',
          '"',
        ],
        gapMs: 300,
        timeoutMs: 5000,
      });
      expect(slowBody.status).toBe(408);
      expect(slowBody.body).toMatch(/took too long/);
      const slowHead = await rawRequest(tight.port, '', { chunks: ['GET / HTTP/1.1\r\n', `${host}\r\n`], gapMs: 200, timeoutMs: 5000 });
      expect(slowHead.status).toBe(408);
    });

    it('refuses more event streams than the limit (429) and accepts again when one closes', async () => {
      const open = () =>
        new Promise<{ status: number; close: () => void }>((resolve, reject) => {
          const req = request({ host: '127.0.0.1', port: tight.port, path: `/api/events?token=${tight.token}` }, (res) =>
            resolve({ status: res.statusCode ?? 0, close: () => req.destroy() }),
          );
          req.on('error', reject);
          req.end();
        });
      const held = [await open(), await open()];
      expect(held.map((s) => s.status)).toEqual([200, 200]);
      const third = await rawRequest(tight.port, `GET /api/events?token=${tight.token} HTTP/1.1\r\nHost: 127.0.0.1:${tight.port}\r\n\r\n`);
      expect(third.status).toBe(429);
      expect(JSON.parse(third.body).error).toMatch(/Too many open SLayer Studio tabs/);
      held[0].close();
      await new Promise((r) => setTimeout(r, 200));
      const again = await open();
      expect(again.status).toBe(200);
      again.close();
      held[1].close();
    });
  });
});
