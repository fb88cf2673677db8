import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'node:http';
import { Backend } from '../../../src/main/api/backend.js';
import { forkLauncher } from '../../../src/main/jobs/launcher.js';
import { serve, type RunningServer } from '../../../src/main/server/server.js';
import { tempDir } from '../../helpers/tmp.js';

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
      const res = await http(server.port, path, { method, headers: host, body: method === 'POST' ? '{}' : undefined });
      expect(res.status, `${method} ${path}`).toBe(403);
    }
    const wrong = await http(server.port, '/api/invoke/app.info', { method: 'POST', headers: { ...host, 'x-slayer-token': 'f'.repeat(48) }, body: '{}' });
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
    const headers = { host: `127.0.0.1:${server.port}`, 'x-slayer-token': server.token };
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
});
