/**
 * The renderer's handle on the typed API: `window.slayer` from the preload bridge in the desktop
 * app, or the same calls over HTTP + server-sent events in browser mode (token from the URL).
 */
import type { SlayerApi } from '../../shared/api';
import { apiEventNames, type ApiEnvelope, type ApiEventName, type ApiEvents } from '../../shared/transport';

declare global {
  interface Window {
    slayer?: SlayerApi;
  }
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly detail?: string,
  ) {
    super(message);
  }
}

function browserTransport(): SlayerApi {
  const fromUrl = new URLSearchParams(location.search).get('token');
  if (fromUrl) sessionStorage.setItem('slayer-token', fromUrl);
  const token = fromUrl ?? sessionStorage.getItem('slayer-token') ?? '';
  const listeners = new Map<ApiEventName, Set<(p: unknown) => void>>();
  const source = new EventSource(`/api/events?token=${encodeURIComponent(token)}`);
  for (const name of apiEventNames) {
    source.addEventListener(name, (e) => {
      const payload = JSON.parse((e as MessageEvent).data);
      for (const l of listeners.get(name) ?? []) l(payload);
    });
  }
  return {
    async invoke(method, request) {
      let res: Response;
      try {
        res = await fetch(`/api/invoke/${method}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-slayer-token': token },
          body: JSON.stringify(request ?? {}),
        });
      } catch {
        throw new ApiError('The SLayer Studio server is not reachable. Is "npm run serve" still running?');
      }
      if (res.status === 403) throw new ApiError('Access refused: open the address printed by "npm run serve", which includes the access token.');
      const envelope = (await res.json()) as ApiEnvelope<never>;
      if (!envelope.ok) throw new ApiError(envelope.error, envelope.detail);
      return envelope.value;
    },
    on<E extends ApiEventName>(event: E, listener: (payload: ApiEvents[E]) => void) {
      const set = listeners.get(event) ?? new Set();
      set.add(listener as (p: unknown) => void);
      listeners.set(event, set);
      return () => set.delete(listener as (p: unknown) => void);
    },
  };
}

function desktopTransport(bridge: SlayerApi): SlayerApi {
  return {
    async invoke(method, request) {
      try {
        return await bridge.invoke(method, request);
      } catch (e) {
        // Electron prefixes errors from ipc with "Error invoking remote method"; keep the plain line.
        const err = e as Error & { detail?: string };
        throw new ApiError(err.message.replace(/^Error invoking remote method '[^']+': (Error: )?/, ''), err.detail);
      }
    },
    on: (event, listener) => bridge.on(event, listener),
  };
}

let instance: SlayerApi | null = null;

export function api(): SlayerApi {
  instance ??= window.slayer ? desktopTransport(window.slayer) : browserTransport();
  return instance;
}
