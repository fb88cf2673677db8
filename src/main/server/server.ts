/**
 * Browser mode: the same renderer and the same API handlers, served over HTTP on 127.0.0.1 only.
 * Every request — page, asset, API call, event stream — must carry the per-launch token (query
 * `?token=`, header `x-slayer-token`, or the cookie the first page load sets). The Host header
 * must name the loopback address, which stops DNS-rebinding pages from reaching the API.
 */
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { apiEventNames, type ApiEventName } from '../../shared/transport.js';
import type { Backend } from '../api/backend.js';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
};

const MAX_BODY = 1 << 20;
const COOKIE = 'slayer_token';

/** The page may load only its own scripts and styles and talk only to this server. */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

export interface ServeOptions {
  backend: Backend;
  /** Folder with the built renderer (index.html and assets). */
  rendererDir: string;
  port: number;
  token?: string;
}

export interface RunningServer {
  url: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

function tokenFrom(req: IncomingMessage, url: URL): string | null {
  const header = req.headers['x-slayer-token'];
  if (typeof header === 'string') return header;
  const query = url.searchParams.get('token');
  if (query) return query;
  const cookie = req.headers.cookie?.split(/;\s*/).find((c) => c.startsWith(`${COOKIE}=`));
  return cookie ? cookie.slice(COOKIE.length + 1) : null;
}

function sameToken(a: string | null, b: string): boolean {
  if (a === null) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(body);
}

async function readBody(req: IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error('request too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function serve(options: ServeOptions): Promise<RunningServer> {
  const token = options.token ?? randomBytes(24).toString('hex');
  const { backend, rendererDir } = options;
  const clients = new Set<ServerResponse>();

  const forward = (event: ApiEventName) => (payload: unknown) => {
    const frame = `event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`;
    for (const c of clients) c.write(frame);
  };
  const listeners = apiEventNames.map((e) => [e, forward(e)] as const);
  for (const [e, l] of listeners) backend.events.on(e, l);

  let port = options.port;
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const host = req.headers.host ?? '';
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) return send(res, 403, 'Forbidden: unexpected Host header.');
    const given = tokenFrom(req, url);
    if (!sameToken(given, token)) return send(res, 403, 'Forbidden: open the address printed by "npm run serve", which includes the access token.');

    if (url.pathname.startsWith('/api/invoke/') && req.method === 'POST') {
      let request: unknown;
      try {
        const body = await readBody(req);
        request = body ? JSON.parse(body) : {};
      } catch {
        return send(res, 400, JSON.stringify({ ok: false, error: 'The request body is not valid JSON.' }), 'application/json');
      }
      const envelope = await backend.invoke(decodeURIComponent(url.pathname.slice('/api/invoke/'.length)), request);
      return send(res, 200, JSON.stringify(envelope), 'application/json');
    }
    if (url.pathname === '/api/events' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write(': connected\n\n');
      clients.add(res);
      req.on('close', () => clients.delete(res));
      return;
    }
    if (req.method !== 'GET') return send(res, 405, 'Method not allowed.');

    const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname.slice(1));
    const file = normalize(join(rendererDir, rel));
    if (!file.startsWith(rendererDir + sep)) return send(res, 403, 'Forbidden.');
    try {
      const body = await readFile(file);
      const headers: Record<string, string> = {
        'content-type': MIME[extname(file)] ?? 'application/octet-stream',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'content-security-policy': CSP,
        'referrer-policy': 'no-referrer',
      };
      // The page's own asset requests carry no query token: a strict same-site cookie covers them.
      if (url.searchParams.has('token')) headers['set-cookie'] = `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
      res.writeHead(200, headers);
      res.end(body);
    } catch {
      send(res, 404, 'Not found.');
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    token,
    port,
    close: async () => {
      for (const [e, l] of listeners) backend.events.off(e, l);
      for (const c of clients) c.end();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
