// HTTP and WebSocket API on uWebSockets.js (the only module that imports it).
//
// Public listener:
//   GET  /v1/route?src=&to=&from=&callid=&user=&at=&explain=1&format=json|rtjson → one decision
//   POST /v1/route            [{src,to,…}, …] → [decision, …] (at most maxBatch, body ≤ maxBody)
//   WS   /v1/stream           {"id":7,"src":…,"to":…} → {"id":7,…decision}; pipelined, in order
//   GET  /healthz /readyz /metrics /v1/artefact
// Admin listener (separate, loopback by default, Authorization: Bearer <token> on every call):
//   POST /v1/admin/reload   POST /v1/admin/gateways/<carrier>/<gateway>/disable|enable
//   POST /v1/admin/drain
//
// A request reads `holder.active` once, so it finishes on the artefact it started with even if a
// reload swaps the reference meanwhile. Decisions are synchronous: only body reads and admin
// reloads are ever in flight across event-loop turns, and `inFlight()` counts them for shutdown.
import { timingSafeEqual } from 'node:crypto';
import uWS from 'uWebSockets.js';
import type { CallQuery, Decision } from '../engine/decision.js';
import type { ActiveArtefact, ArtefactHolder, HolderLog, ReloadResult } from './artefact-holder.js';
import type { Channel, Metrics } from './metrics.js';
import { JsonBytes, parseFormat, parseQuery, QueryError, QueryString, type OutputFormat } from './query.js';

export interface ServeState {
  /** Set by drain and on shutdown: /readyz answers 503 so balancers move traffic away. */
  draining: boolean;
  /** True until every listener of the process is up: /readyz answers 503 meanwhile. */
  starting?: boolean;
}

export interface HttpOptions {
  holder: ArtefactHolder;
  metrics: Metrics;
  state: ServeState;
  host: string;
  port: number;
  log?: HolderLog;
  /** Largest batch (default 1000 queries) and body (default 1 MiB). */
  maxBatch?: number;
  maxBody?: number;
  /** Extra state shown on /v1/artefact (the puller's: url, last success, last error). */
  artefactStatus?: () => object;
}

export interface AdminOptions {
  holder: ArtefactHolder;
  metrics: Metrics;
  state: ServeState;
  host: string;
  port: number;
  token: string;
  log?: HolderLog;
  /** What POST /v1/admin/reload does (default: reload the artefact file; pull mode: poll now). */
  reload?: () => Promise<ReloadResult>;
}

export interface Listener {
  readonly port: number;
  /** Stops accepting connections (open ones finish their requests). */
  stopListening(): void;
  /** Requests whose answer is still pending (body being read, reload running). */
  inFlight(): number;
  /** Closes every WebSocket (1001 going away). */
  closeSockets(): void;
}

const STATUS: Record<number, string> = {
  200: '200 OK', 400: '400 Bad Request', 401: '401 Unauthorized', 404: '404 Not Found', 405: '405 Method Not Allowed',
  413: '413 Payload Too Large', 422: '422 Unprocessable Entity', 500: '500 Internal Server Error', 503: '503 Service Unavailable',
};
const JSON_TYPE = 'application/json';

/** Answers from outside a handler's synchronous part (after a body read, a reload): corks first. */
function send(res: uWS.HttpResponse, status: number, body: uWS.RecognizedString, type = JSON_TYPE): void {
  res.cork(() => {
    res.writeStatus(STATUS[status] ?? `${status} Status`).writeHeader('content-type', type).end(body);
  });
}

function sendError(res: uWS.HttpResponse, status: number, error: string, parameter?: string): void {
  send(res, status, JSON.stringify(parameter === undefined ? { error } : { error, parameter }));
}

function listen(app: uWS.TemplatedApp, host: string, port: number): Promise<uWS.us_listen_socket> {
  return new Promise((resolve, reject) => {
    app.listen(host, port, (socket) => {
      if (socket) resolve(socket);
      else reject(new Error(`cannot listen on ${host}:${port}`));
    });
  });
}

/** Decides one query on one artefact, counting outcome and engine latency. */
function decideOn(active: ActiveArtefact, q: CallQuery, metrics: Metrics, channel: Channel): Decision {
  const t0 = performance.now();
  const d = active.decider.decide(q);
  metrics.decision(channel, d.status, (performance.now() - t0) / 1000);
  return d;
}

/** Writes the answer's JSON; `prefix` opens the object ('{', or '{"id":7,' for a WebSocket reply). */
function render(out: JsonBytes, d: Decision, format: OutputFormat, serial: number, prefix = '{'): void {
  if (format === 'rtjson') out.rtjson(d, prefix);
  else out.decision(d, serial, prefix);
}

/** Reads a request body up to `max` bytes; calls done(undefined) when it was too large or aborted. */
function readBody(res: uWS.HttpResponse, max: number, done: (body: Buffer | undefined, aborted: boolean) => void): void {
  const parts: Buffer[] = [];
  let size = 0;
  let over = false;
  let aborted = false;
  res.onAborted(() => { aborted = true; done(undefined, true); });
  res.onData((chunk, last) => {
    if (aborted) return;
    if (!over) {
      size += chunk.byteLength;
      if (size > max) over = true;
      else parts.push(Buffer.from(chunk.slice(0))); // uWS reuses the chunk's memory: copy
    }
    if (last) done(over ? undefined : Buffer.concat(parts), false);
  });
}

interface WsData { format: OutputFormat }

export async function startHttpServer(o: HttpOptions): Promise<Listener> {
  const { holder, metrics, state } = o;
  const maxBatch = o.maxBatch ?? 1000;
  const maxBody = o.maxBody ?? 1024 * 1024;
  let pending = 0;
  const sockets = new Set<uWS.WebSocket<WsData>>();
  const app = uWS.App();

  // The hot path. Synchronous, so uWS has the response corked already and no onAborted is
  // needed; the parameters and the answer's bytes go through one reused object each, and uWS copies
  // the bytes out in end() before the next request rewrites them. 200 OK is uWS's default status.
  const params = new QueryString();
  const out = new JsonBytes();
  app.get('/v1/route', (res, req) => {
    const active = holder.active;
    try {
      const p = params.read(req.getQuery());
      const q = parseQuery(p);
      const format = parseFormat(p.format);
      if (!active) return sendError(res, 503, 'no routing artefact is loaded yet');
      render(out.start(), decideOn(active, q, metrics, 'http'), format, active.serial);
      res.writeHeader('content-type', JSON_TYPE).end(out.view());
    } catch (e) {
      if (e instanceof QueryError) { metrics.badRequests++; return sendError(res, 400, e.message, e.parameter); }
      o.log?.error({ err: String(e) }, 'decision failed');
      sendError(res, 500, 'internal error');
    }
  });

  app.post('/v1/route', (res, req) => {
    let format: OutputFormat;
    try {
      format = parseFormat(req.getQuery('format'));
    } catch (e) {
      metrics.badRequests++;
      return sendError(res, 400, (e as QueryError).message, (e as QueryError).parameter);
    }
    pending++;
    readBody(res, maxBody, (body, aborted) => {
      pending--;
      if (aborted) return;
      if (body === undefined) return sendError(res, 413, `body larger than ${maxBody} bytes`);
      let items: unknown;
      try {
        items = JSON.parse(body.toString('utf8'));
      } catch {
        metrics.badRequests++;
        return sendError(res, 400, 'body is not JSON', 'body');
      }
      if (!Array.isArray(items)) { metrics.badRequests++; return sendError(res, 400, 'body must be a JSON array of queries', 'body'); }
      if (items.length > maxBatch) { metrics.badRequests++; return sendError(res, 400, `a batch holds at most ${maxBatch} queries`, 'body'); }
      const queries: CallQuery[] = [];
      try {
        for (let i = 0; i < items.length; i++) {
          const it = items[i] as Record<string, unknown> | null;
          if (typeof it !== 'object' || it === null || Array.isArray(it)) throw new QueryError(`[${i}]`, 'each query must be a JSON object');
          queries.push(parseQuery(it, `[${i}].`));
        }
      } catch (e) {
        metrics.badRequests++;
        return sendError(res, 400, (e as QueryError).message, (e as QueryError).parameter);
      }
      const active = holder.active; // one artefact for the whole batch
      if (!active) return sendError(res, 503, 'no routing artefact is loaded yet');
      try {
        out.start().char(91);
        for (let i = 0; i < queries.length; i++) {
          if (i > 0) out.char(44);
          render(out, decideOn(active, queries[i]!, metrics, 'http'), format, active.serial);
        }
        out.char(93);
        send(res, 200, out.view());
      } catch (e) {
        o.log?.error({ err: String(e) }, 'decision failed');
        sendError(res, 500, 'internal error');
      }
    });
  });

  app.ws<WsData>('/v1/stream', {
    maxPayloadLength: 64 * 1024,
    maxBackpressure: 16 * 1024 * 1024,
    closeOnBackpressureLimit: 1,
    idleTimeout: 120,
    upgrade: (res, req, context) => {
      let format: OutputFormat;
      try {
        format = parseFormat(req.getQuery('format'));
      } catch (e) {
        metrics.badRequests++;
        return sendError(res, 400, (e as QueryError).message, (e as QueryError).parameter);
      }
      res.upgrade<WsData>({ format }, req.getHeader('sec-websocket-key'), req.getHeader('sec-websocket-protocol'),
        req.getHeader('sec-websocket-extensions'), context);
    },
    open: (ws) => { sockets.add(ws); },
    close: (ws) => { sockets.delete(ws); },
    message: (ws, message) => {
      let id: unknown = null;
      let reply: string | Uint8Array;
      try {
        let m: unknown;
        try {
          m = JSON.parse(Buffer.from(message).toString('utf8'));
        } catch {
          throw new QueryError('message', 'message is not JSON');
        }
        if (typeof m !== 'object' || m === null || Array.isArray(m)) throw new QueryError('message', 'message must be a JSON object');
        const obj = m as Record<string, unknown>;
        id = obj.id ?? null;
        const q = parseQuery(obj);
        const format = obj.format === undefined ? ws.getUserData().format : parseFormat(obj.format);
        const active = holder.active;
        if (!active) {
          reply = JSON.stringify({ id, error: 'no routing artefact is loaded yet' });
        } else {
          render(out.start(), decideOn(active, q, metrics, 'ws'), format, active.serial, '{"id":' + JSON.stringify(id) + ',');
          reply = out.view();
        }
      } catch (e) {
        if (e instanceof QueryError) {
          metrics.badRequests++;
          reply = JSON.stringify({ id, error: e.message, parameter: e.parameter });
        } else {
          o.log?.error({ err: String(e) }, 'decision failed');
          reply = JSON.stringify({ id, error: 'internal error' });
        }
      }
      ws.send(reply, false);
    },
  });

  app.get('/healthz', (res) => send(res, 200, '{"status":"ok"}'));
  app.get('/readyz', (res) => {
    const active = holder.active;
    if (active && !state.draining && !state.starting) send(res, 200, JSON.stringify({ status: 'ready', serial: active.serial }));
    else send(res, 503, JSON.stringify({ status: state.draining ? 'draining' : state.starting ? 'starting' : 'no artefact loaded' }));
  });
  app.get('/metrics', (res) => send(res, 200, metrics.render(), 'text/plain; version=0.0.4; charset=utf-8'));
  app.get('/v1/artefact', (res) => {
    const a = holder.active;
    const extra = o.artefactStatus ? { pull: o.artefactStatus() } : {};
    if (!a) return send(res, 503, JSON.stringify({ error: 'no routing artefact is loaded yet', serial: null, ...extra }));
    send(res, 200, JSON.stringify({ serial: a.serial, revision: a.revision, hash: a.contentHash, bytes: a.bytes, loadedAt: a.loadedAt.toISOString(), source: a.source, ...extra }));
  });
  app.any('/*', (res) => sendError(res, 404, 'not found'));

  const socket = await listen(app, o.host, o.port);
  return {
    port: uWS.us_socket_local_port(socket as unknown as uWS.us_socket),
    stopListening: () => uWS.us_listen_socket_close(socket),
    inFlight: () => pending,
    closeSockets: () => { for (const ws of [...sockets]) ws.end(1001, 'server shutting down'); },
  };
}

function tokenMatches(header: string, token: string): boolean {
  const want = Buffer.from('Bearer ' + token);
  const got = Buffer.from(header);
  return got.length === want.length && timingSafeEqual(got, want);
}

export async function startAdminServer(o: AdminOptions): Promise<Listener> {
  if (!o.token) throw new Error('the admin listener needs a token (DIALPLANE_ADMIN_TOKEN or --admin-token)');
  const { holder, state } = o;
  let pending = 0;
  const app = uWS.App();

  /** Wraps an admin handler: bearer token first, then the action. */
  const guarded = (action: (res: uWS.HttpResponse, req: uWS.HttpRequest) => void) => (res: uWS.HttpResponse, req: uWS.HttpRequest): void => {
    if (!tokenMatches(req.getHeader('authorization'), o.token)) {
      o.log?.warn({ url: req.getUrl() }, 'admin call without a valid token');
      res.cork(() => {
        res.writeStatus(STATUS[401]!).writeHeader('www-authenticate', 'Bearer realm="dialplane-admin"')
          .writeHeader('content-type', JSON_TYPE).end('{"error":"a valid bearer token is required"}');
      });
      return;
    }
    action(res, req);
  };

  app.post('/v1/admin/reload', guarded((res) => {
    let aborted = false;
    res.onAborted(() => { aborted = true; });
    pending++;
    (o.reload ? o.reload() : holder.reload('admin')).then((r) => {
      pending--;
      if (aborted) return;
      if (r.ok) send(res, 200, JSON.stringify({ ok: true, changed: r.changed, serial: r.active.serial, revision: r.active.revision }));
      else send(res, 422, JSON.stringify({ ok: false, error: r.error, code: r.code, serial: holder.active?.serial ?? null }));
    }, (e) => {
      pending--;
      if (!aborted) sendError(res, 500, String(e));
    });
  }));

  app.post('/v1/admin/gateways/:carrier/:gateway/:action', guarded((res, req) => {
    let carrier: string, gateway: string;
    try {
      carrier = decodeURIComponent(req.getParameter(0));
      gateway = decodeURIComponent(req.getParameter(1));
    } catch {
      return sendError(res, 400, 'malformed %-escape in the carrier or gateway', 'gateway');
    }
    const action = req.getParameter(2);
    if (action !== 'disable' && action !== 'enable') return sendError(res, 404, 'action must be disable or enable', 'action');
    if (!holder.active) return sendError(res, 503, 'no routing artefact is loaded yet');
    if (!holder.setGatewayEnabled(carrier, gateway, action === 'enable')) return sendError(res, 404, `no gateway ${carrier}/${gateway} in the active artefact`, 'gateway');
    o.log?.info({ carrier, gateway, enabled: action === 'enable' }, 'gateway state changed by admin');
    send(res, 200, JSON.stringify({ ok: true, carrier, gateway, enabled: action === 'enable' }));
  }));

  app.post('/v1/admin/drain', guarded((res) => {
    state.draining = true;
    o.log?.info({}, 'draining: /readyz now answers 503; decisions are still served');
    send(res, 200, '{"ok":true,"draining":true}');
  }));

  app.any('/*', guarded((res) => sendError(res, 404, 'not found')));

  const socket = await listen(app, o.host, o.port);
  return {
    port: uWS.us_socket_local_port(socket as unknown as uWS.us_socket),
    stopListening: () => uWS.us_listen_socket_close(socket),
    inFlight: () => pending,
    closeSockets: () => {},
  };
}
