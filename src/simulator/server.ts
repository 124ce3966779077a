/**
 * A gateway simulator: a real HTTP server on loopback speaking both seed dialects, with Bearer auth,
 * a job lifecycle, a real MP4 behind expiring signed URLs, faults on request, and a log of every call.
 * It is the embedded default of the demo and the world the tests run against.
 *
 * This file is the plumbing (routing, auth, faults, the call log, job creation); each dialect lives
 * beside its client's name (infery.ts, infrai.ts, as in src/gateway/), signed media in files.ts.
 */
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JobFields, SimulatorCore, SimulatorOptions } from './core';
import { FaultBook, type SimFault, type SimRoute } from './faults';
import { SignedFiles } from './files';
import { badRequest, HttpProblem, notFound, readJson, type RequestContext, type Route, type SimCall } from './http';
import { InferySimulator } from './infery';
import { InfraiSimulator } from './infrai';
import { SIM_MODELS, type SimJob } from './jobs';

export type { SimulatorOptions } from './core';
export type { SimCall } from './http';
export { SAMPLE_THUMBNAIL, SAMPLE_VIDEO } from './files';

export class GatewaySimulator implements SimulatorCore {
  readonly apiKey: string;
  readonly calls: SimCall[] = [];
  readonly jobs = new Map<string, SimJob>();
  readonly faults = new FaultBook();
  readonly files: SignedFiles;
  private readonly server: Server;
  private readonly byIdempotencyKey = new Map<string, SimJob>();
  private readonly routes: Route[];
  private baseUrl = '';

  constructor(readonly options: SimulatorOptions = {}) {
    this.apiKey = options.apiKey ?? `sim_${randomBytes(12).toString('hex')}`;
    this.files = new SignedFiles({
      baseUrl: () => this.baseUrl,
      urlTtlMs: () => this.options.urlTtlMs ?? 3_600_000,
      videoPath: () => this.options.videoPath,
      job: (id) => this.jobs.get(id),
    });
    this.routes = [
      ...new InferySimulator(this).routes(),
      ...new InfraiSimulator(this).routes(),
      ['GET', /^\/files\/([^/]+)\/(video(?:-\d)?)\.mp4$/, 'video', (c) => this.files.serve(c, 'video')],
      ['GET', /^\/files\/([^/]+)\/thumbnail\.jpg$/, 'thumbnail', (c) => this.files.serve(c, 'thumbnail')],
    ];
    this.server = createServer((req, res) => void this.handle(req, res));
    // Keep-alive sockets would hold close() open for seconds.
    this.server.keepAliveTimeout = 1000;
  }

  get url(): string {
    return this.baseUrl;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => resolve());
    });
    const { address, port } = this.server.address() as AddressInfo;
    this.baseUrl = `http://${address}:${port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  addFault(fault: SimFault): void {
    this.faults.add(fault);
  }

  /** Calls to one route, optionally only those answered with a given status. */
  callsTo(route: SimRoute, status?: number): SimCall[] {
    return this.calls.filter((c) => c.route === route && (status === undefined || c.status === status));
  }

  /** Change options from now on (timing applies to jobs created after the call). */
  configure(options: Partial<Omit<SimulatorOptions, 'apiKey' | 'host' | 'port'>>): void {
    Object.assign(this.options, options);
  }

  /** A signed URL for one of a job's files (tests use it to build URLs that expire). */
  signedUrl(job: SimJob, kind: 'video' | 'thumbnail', ttlMs?: number, index = 1): string {
    return this.files.signedUrl(job, kind, ttlMs, index);
  }

  // ---- plumbing ---------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const call: SimCall = {
      at: Date.now(),
      method: req.method ?? 'GET',
      path: url.pathname,
      route: 'unknown',
      status: 0,
    };
    this.calls.push(call);
    let cached: Promise<unknown> | undefined;
    const ctx: RequestContext = { req, res, url, params: [], call, body: () => (cached ??= readJson(req)) };
    try {
      const match = this.routes.find(([method, pattern]) => method === req.method && pattern.test(url.pathname));
      if (!match) throw notFound(`${req.method} ${url.pathname}`);
      const [, pattern, route, handler] = match;
      call.route = route;
      ctx.params = (pattern.exec(url.pathname) ?? []).slice(1).map(decodeURIComponent);
      // Signed file URLs carry their own authorisation, as a GCS signed URL does.
      if (route !== 'video' && route !== 'thumbnail' && !this.authorised(req)) {
        throw new HttpProblem(401, { error: { code: 'unauthorized', message: 'missing or invalid API key' } });
      }
      const model = await this.modelOf(ctx, route);
      call.model ??= model;
      const fault = this.faults.take(route, model);
      if (fault && (await this.applyFault(ctx, fault))) return;
      await handler(ctx);
      if (fault?.afterWork && fault.status) this.sendFault(ctx, fault);
    } catch (error) {
      ctx.answered = false; // an error is always answered
      if (error instanceof HttpProblem) this.send(ctx, error.status, error.payload);
      else this.send(ctx, 500, { error: { code: 'internal', message: String(error) } });
    }
  }

  private authorised(req: IncomingMessage): boolean {
    const header = req.headers.authorization ?? '';
    const expected = Buffer.from(`Bearer ${this.apiKey}`);
    const given = Buffer.from(header);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** The model a request is about, so a fault can target one model. */
  private async modelOf(ctx: RequestContext, route: SimRoute): Promise<string | undefined> {
    if (route === 'submit') {
      const body = (await ctx.body().catch(() => ({}))) as { model?: string };
      return body?.model;
    }
    return ctx.params[0] ? this.jobs.get(ctx.params[0])?.model : undefined;
  }

  /** True when the fault answered the request itself. */
  private async applyFault(ctx: RequestContext, fault: SimFault): Promise<boolean> {
    if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault.reset) {
      ctx.call.status = -1;
      ctx.req.socket.destroy();
      return true;
    }
    if (fault.malformed) {
      ctx.call.status = 200;
      ctx.res.writeHead(200, { 'content-type': 'application/json' }).end('{"status": "queued", "job_id": ');
      return true;
    }
    if (fault.status && !fault.afterWork) {
      this.sendFault(ctx, fault);
      return true;
    }
    ctx.fault = fault;
    return false;
  }

  private sendFault(ctx: RequestContext, fault: SimFault): void {
    const headers: Record<string, string> = {};
    if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
    ctx.answered = false;
    this.send(
      ctx,
      fault.status!,
      fault.body ?? { error: { code: `http_${fault.status}`, message: 'injected fault' } },
      headers,
    );
  }

  send(ctx: RequestContext, status: number, payload: unknown, headers: Record<string, string> = {}): void {
    // A fault that answers after the work holds the real answer back; the work is done all the same.
    if (ctx.fault?.afterWork && ctx.answered === undefined) {
      ctx.answered = true;
      return;
    }
    const word = ctx.fault?.statusWord;
    if (word && payload && typeof payload === 'object') {
      const answer = payload as Record<string, unknown>;
      if ('status' in answer) answer.status = word;
      if ('state' in answer) answer.state = word;
    }
    ctx.call.status = status;
    if (ctx.res.headersSent) return;
    ctx.res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(payload));
  }

  job(ctx: RequestContext): SimJob {
    const job = this.jobs.get(ctx.params[0]);
    if (!job || job.deleted) throw notFound(`job ${ctx.params[0]}`);
    ctx.call.job_id = job.id;
    ctx.call.model = job.model;
    return job;
  }

  // ---- job creation (both dialects) -------------------------------------------------------------

  createJob(
    ctx: RequestContext,
    dialect: SimJob['dialect'],
    fields: JobFields,
    idempotencyKey: string | undefined,
  ): SimJob {
    ctx.call.idempotency_key = idempotencyKey;
    if (idempotencyKey) {
      const existing = this.byIdempotencyKey.get(`${dialect}:${idempotencyKey}`);
      if (existing) {
        ctx.call.job_id = existing.id;
        ctx.call.model = existing.model;
        return existing;
      }
    }
    if (typeof fields.prompt !== 'string' || !fields.prompt.trim()) throw badRequest('prompt is required');
    const model = fields.model ?? 'veo-3-1-fast';
    const spec = Object.hasOwn(SIM_MODELS, model) ? SIM_MODELS[model] : undefined;
    if (!spec) throw badRequest(`unknown model "${model}"`);
    const duration = fields.duration_seconds === undefined ? Math.min(4, spec.max) : Number(fields.duration_seconds);
    if (!(duration > 0) || duration > spec.max)
      throw badRequest(`duration_seconds must be at most ${spec.max} for ${model}`);
    const resolution = typeof fields.resolution === 'string' ? fields.resolution : '720p';
    if (!spec.resolutions.includes(resolution)) throw badRequest(`resolution ${resolution} is not offered by ${model}`);
    const aspect = typeof fields.aspect_ratio === 'string' ? fields.aspect_ratio : '16:9';
    if (!spec.aspects.includes(aspect)) throw badRequest(`aspect ratio ${aspect} is not offered by ${model}`);

    const n = fields.n === undefined ? 1 : Number(fields.n);
    if (!Number.isInteger(n) || n < 1 || n > 4) throw badRequest('n must be a whole number from 1 to 4');
    const fault = ctx.fault;
    const job: SimJob = {
      id: `${dialect === 'infery' ? 'vgen' : 'vid'}_${randomUUID().replace(/-/g, '')}`,
      dialect,
      model,
      prompt: fields.prompt,
      duration_seconds: duration,
      resolution,
      aspect_ratio: aspect,
      created_ms: Date.now(),
      queued_ms: this.options.queuedMs ?? 1000,
      processing_ms: this.options.processingMs ?? 3000,
      outcome: fault?.failJob ? { kind: 'failed', error: fault.failJob } : { kind: 'success' },
      mirror_status: fault?.mirrorFailed ? 'failed' : 'mirrored',
      idempotency_key: idempotencyKey,
      n,
      delivers: Math.min(n, fault?.deliver ?? n),
      image:
        typeof fields.image_url === 'string'
          ? `url:${fields.image_url}`
          : typeof fields.image_base64 === 'string'
            ? `base64:${Buffer.from(fields.image_base64, 'base64').length}`
            : undefined,
    };
    this.jobs.set(job.id, job);
    if (idempotencyKey) this.byIdempotencyKey.set(`${dialect}:${idempotencyKey}`, job);
    ctx.call.job_id = job.id;
    ctx.call.model = model;
    return job;
  }
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<GatewaySimulator> {
  return new GatewaySimulator(options).start();
}
