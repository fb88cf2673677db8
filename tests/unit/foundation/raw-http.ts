/**
 * A raw HTTP/1.1 client for the server tests: writes exactly the bytes it is given (malformed
 * request lines, oversized heads, lying Content-Length, slow bodies) to 127.0.0.1 and reads back
 * the first response, however the server ends the connection. Loopback only.
 */
import { connect } from 'node:net';

export interface RawResponse {
  /** Status of the first response, or null when the server closed without answering. */
  status: number | null;
  headers: Record<string, string>;
  body: string;
  /** Milliseconds from connecting to the answer (or to the close). */
  ms: number;
}

export interface RawOptions {
  /** Written one after another, `gapMs` apart (a slow client); the default is one write. */
  chunks?: (string | Buffer)[];
  gapMs?: number;
  /** Half-close after the last chunk (the client sends no more). */
  endAfterWrite?: boolean;
  /** Give up waiting after this long and report what arrived. */
  timeoutMs?: number;
}

function parseHead(head: string): { status: number | null; headers: Record<string, string> } {
  const [statusLine, ...lines] = head.split('\r\n');
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: match ? Number(match[1]) : null, headers };
}

/** Sends `request` (or `options.chunks`) on a fresh connection and resolves with the first response. */
export function rawRequest(port: number, request: string | Buffer, options: RawOptions = {}): Promise<RawResponse> {
  const chunks = options.chunks ?? [request];
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let data = Buffer.alloc(0);
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    const finish = () => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      socket.destroy();
      const text = data.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const { status, headers } = parseHead(end >= 0 ? text.slice(0, end) : text);
      resolve({ status, headers, body: end >= 0 ? data.subarray(end + 4).toString('utf8') : '', ms: Date.now() - started });
    };
    /** Done as soon as one whole response is in: its head, and its body when the length is known. */
    const complete = () => {
      const end = data.indexOf('\r\n\r\n');
      if (end < 0) return false;
      const { headers } = parseHead(data.subarray(0, end).toString('latin1'));
      if (headers['content-type']?.startsWith('text/event-stream')) return true;
      const length = headers['content-length'];
      return length !== undefined && data.length - end - 4 >= Number(length);
    };
    socket.on('data', (d: Buffer) => {
      data = Buffer.concat([data, d]);
      // Interim answers (100 Continue) come before the response itself.
      while (/^HTTP\/1\.[01] 1\d\d /.test(data.toString('latin1', 0, 13)) && data.includes('\r\n\r\n')) data = data.subarray(data.indexOf('\r\n\r\n') + 4);
      if (complete()) finish();
    });
    socket.on('error', finish);
    socket.on('close', finish);
    timers.push(setTimeout(finish, options.timeoutMs ?? 5000));
    socket.on('connect', () => {
      chunks.forEach((chunk, i) =>
        timers.push(
          setTimeout(
            () => {
              if (settled || socket.destroyed) return;
              socket.write(chunk);
              if (i === chunks.length - 1 && options.endAfterWrite) socket.end();
            },
            i * (options.gapMs ?? 0),
          ),
        ),
      );
    });
  });
}
