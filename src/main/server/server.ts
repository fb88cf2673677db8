/**
 * Browser mode: the same renderer and the same API handlers, served over HTTP on 127.0.0.1 only.
 * Every request — page, asset, API call, event stream — must carry the per-launch token (query
 * `?token=`, header `x-slayer-token`, or the cookie the first page load sets). The Host header
 * must name the loopback address, which stops DNS-rebinding pages from reaching the API.
 *
 * Every request is answered or refused, never allowed to throw: malformed addresses, headers
 * that are too large, bodies over the limit or too slow, methods the server does not serve, bodies
 * that are not JSON, and anything that is not HTTP get a 4xx with one plain line, and the server
 * keeps serving. docs/security.md lists what browser mode guards against.
 */
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { Socket } from 'node:net';
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

/** What one client may ask of the server. Node answers 431 / 408 itself when a head or a request breaks these. */
export interface ServerLimits {
  /** Largest API request body (a plan with its scores is a few kilobytes). */
  maxBodyBytes: number;
  /** Largest request line plus headers. */
  maxHeaderBytes: number;
  /** Time to receive the request line and headers. */
  headersTimeoutMs: number;
  /** Time to receive the whole request, body included (a slow body is cut off here). */
  requestTimeoutMs: number;
  /** Open connections at once; more are closed at once instead of exhausting file handles. */
  maxConnections: number;
  /** Event streams open at once (one per browser tab). */
  maxEventStreams: number;
  /** Events queued for a tab that does not read them; past this its stream is closed (the browser reconnects by itself). */
  maxEventBacklogBytes: number;
}

export const SERVER_LIMITS: ServerLimits = {
  maxBodyBytes: 1 << 20,
  maxHeaderBytes: 16 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  maxConnections: 256,
  maxEventStreams: 32,
  maxEventBacklogBytes: 8 << 20,
};

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
  /** Tighter limits for tests; production uses SERVER_LIMITS. */
  limits?: Partial<ServerLimits>;
  /** Where server-level errors are reported (they never stop the server). */
  log?: (line: string) => void;
}

export interface RunningServer {
  url: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

/** A refusal: the status and the one line the client sees. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly allow?: string,
  ) {
    super(message);
  }
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

function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8', extra: Record<string, string> = {}): void {
  const bytes = Buffer.from(body);
  res.writeHead(status, {
    'content-type': type,
    'content-length': String(bytes.length),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...extra,
  });
  res.end(bytes);
}

/** The request target as a URL; only origin-form targets ("/path?query") are served. */
function parseTarget(target: string | undefined): URL {
  if (!target?.startsWith('/')) throw new HttpError(400, 'Bad request: the address must be a path on this server, such as /index.html.');
  try {
    return new URL(target, 'http://127.0.0.1');
  } catch {
    throw new HttpError(400, 'Bad request: the address is not a valid URL.');
  }
}

/** A path segment with its %-escapes decoded; a malformed escape or a NUL byte is refused, never thrown. */
function decodePath(encoded: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(encoded);
  } catch {
    throw new HttpError(400, 'Bad request: the address has a malformed %-escape.');
  }
  if (decoded.includes('\0')) throw new HttpError(400, 'Bad request: the address contains a NUL character.');
  return decoded;
}

function requireMethod(req: IncomingMessage, allowed: string[]): void {
  if (!allowed.includes(req.method ?? '')) {
    throw new HttpError(405, `Method not allowed: this address answers ${allowed.join(' and ')} only.`, allowed.join(', '));
  }
}

/** The body, at most `limit` bytes; a longer one is refused as soon as it passes the limit. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const tooLarge = () => new HttpError(413, `The request body is larger than ${limit} bytes.`);
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (finish: () => void) => {
      req.off('data', onData).off('end', onEnd).off('close', onClose);
      finish();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Discard the rest instead of reading it into memory; the 413 closes the connection.
        done(() => reject(tooLarge()));
        req.resume();
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => done(() => resolve(Buffer.concat(chunks)));
    const onClose = () => done(() => reject(new HttpError(400, 'The request body ended early.')));
    req.on('data', onData).on('end', onEnd).on('close', onClose);
  });
}

async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') throw new HttpError(415, 'Unsupported content type: API requests must be sent as application/json.');
  const text = (await readBody(req, limit)).toString('utf8');
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'The request body is not valid JSON.');
  }
}

/** The raw answer for a connection that never became a request (bad syntax, head too large, too slow, CONNECT). */
function rawRefusal(status: number, message: string): string {
  const body = `${message}\n`;
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: text/plain; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  );
}

function clientErrorRefusal(code: string | undefined, limits: ServerLimits): string {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return rawRefusal(431, `The request headers are larger than ${limits.maxHeaderBytes} bytes.`);
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return rawRefusal(408, 'The request took too long to arrive; send it again.');
    default:
      return rawRefusal(400, 'Bad request: this is not a well-formed HTTP/1.1 request.');
  }
}

export async function serve(options: ServeOptions): Promise<RunningServer> {
  const token = options.token ?? randomBytes(24).toString('hex');
  const limits: ServerLimits = { ...SERVER_LIMITS, ...options.limits };
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const { backend, rendererDir } = options;
  const clients = new Set<ServerResponse>();

  const forward = (event: ApiEventName) => (payload: unknown) => {
    const frame = `event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`;
    for (const c of clients) {
      if (c.writableLength > limits.maxEventBacklogBytes) c.destroy();
      else if (!c.destroyed && !c.writableEnded) c.write(frame);
    }
  };
  const listeners = apiEventNames.map((e) => [e, forward(e)] as const);
  for (const [e, l] of listeners) backend.events.on(e, l);

  let port = options.port;

  async function invoke(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    requireMethod(req, ['POST']);
    const request = await readJson(req, limits.maxBodyBytes);
    const envelope = await backend.invoke(name, request);
    send(res, 200, JSON.stringify(envelope), 'application/json');
  }

  function openEventStream(req: IncomingMessage, res: ServerResponse): void {
    requireMethod(req, ['GET']);
    if (clients.size >= limits.maxEventStreams) throw new HttpError(429, 'Too many open SLayer Studio tabs: close some and reload this one.');
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write(': connected\n\n');
    clients.add(res);
    res.on('close', () => clients.delete(res));
  }

  async function staticFile(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    requireMethod(req, ['GET', 'HEAD']);
    const rel = url.pathname === '/' ? 'index.html' : decodePath(url.pathname.slice(1));
    const file = normalize(join(rendererDir, rel));
    if (!file.startsWith(rendererDir + sep)) throw new HttpError(403, 'Forbidden: that file is outside the app.');
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      throw new HttpError(404, 'Not found.');
    }
    const headers: Record<string, string> = {
      'content-type': MIME[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'content-security-policy': CSP,
      'referrer-policy': 'no-referrer',
    };
    // The page's own asset requests carry no query token: a strict same-site cookie covers them.
    if (url.searchParams.has('token')) headers['set-cookie'] = `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
    res.writeHead(200, { ...headers, 'content-length': String(body.length) });
    res.end(body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = parseTarget(req.url);
    // Node keeps the first of several Host headers; HTTP/1.1 says such a request is refused.
    const hosts = req.rawHeaders.filter((_, i) => i % 2 === 0 && req.rawHeaders[i].toLowerCase() === 'host').length;
    if (hosts > 1) throw new HttpError(400, 'Bad request: more than one Host header.');
    const host = req.headers.host ?? '';
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) throw new HttpError(403, 'Forbidden: unexpected Host header.');
    if (!sameToken(tokenFrom(req, url), token)) {
      throw new HttpError(403, 'Forbidden: open the address printed by "npm run serve", which includes the access token.');
    }
    if (url.pathname.startsWith('/api/invoke/')) return invoke(req, res, decodePath(url.pathname.slice('/api/invoke/'.length)));
    if (url.pathname === '/api/events') return openEventStream(req, res);
    return staticFile(req, res, url);
  }

  /** Answers a refusal in the form the caller reads: an envelope for API calls, plain text otherwise. */
  function refuse(req: IncomingMessage, res: ServerResponse, e: unknown): void {
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return;
    }
    const error = e instanceof HttpError ? e : new HttpError(500, 'Internal error in the SLayer Studio server; the request was not carried out.');
    if (!(e instanceof HttpError)) log(`Request ${req.method} ${req.url} failed: ${(e as Error)?.stack ?? String(e)}`);
    const extra: Record<string, string> = error.allow ? { allow: error.allow } : {};
    // A body that was not read to its end cannot be followed by another request on this connection.
    if (!req.complete) extra.connection = 'close';
    if ((req.url ?? '').startsWith('/api/')) send(res, error.status, JSON.stringify({ ok: false, error: error.message }), 'application/json', extra);
    else send(res, error.status, `${error.message}\n`, undefined, extra);
  }

  const server: Server = createServer(
    {
      maxHeaderSize: limits.maxHeaderBytes,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: 1000,
    },
    (req, res) => {
      handle(req, res).catch((e) => {
        try {
          refuse(req, res, e);
        } catch {
          res.destroy();
        }
      });
    },
  );
  server.maxConnections = limits.maxConnections;
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    const inFlight = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
    if (inFlight?.headersSent) {
      // An answer has started (an event stream, say, before a malformed body arrived): let what was
      // written reach the client, then close; never splice a second status line into it.
      socket.end(() => socket.destroy());
      setTimeout(() => socket.destroy(), 1000).unref();
      return;
    }
    if (err.code !== 'ECONNRESET' && socket.writable) socket.write(clientErrorRefusal(err.code, limits));
    socket.destroy();
  });
  // Node answers an Expect other than 100-continue with an empty 417; say why.
  server.on('checkExpectation', (_req: IncomingMessage, res: ServerResponse) =>
    send(res, 417, 'Expectation failed: the only Expect header this server understands is "100-continue".\n', undefined, { connection: 'close' }),
  );
  // CONNECT (proxy tunnels) is not something this server does; Node would drop the socket silently.
  server.on('connect', (_req: IncomingMessage, socket: Socket) => {
    socket.on('error', () => socket.destroy());
    socket.end(rawRefusal(405, 'Method not allowed: this server is not a proxy.'));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  // After start-up an error on the listening socket (e.g. out of file handles while accepting) is reported, never fatal.
  server.on('error', (e) => log(`SLayer Studio server: ${(e as Error).message}`));
  port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    token,
    port,
    close: async () => {
      for (const [e, l] of listeners) backend.events.off(e, l);
      for (const c of clients) c.end();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
