/**
 * A gateway simulator: a real HTTP server on loopback speaking both seed dialects, with Bearer auth,
 * a job lifecycle, a real MP4 behind expiring signed URLs, faults on request, and a log of every call.
 * It is the embedded default of the demo and the world the tests run against.
 */
import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { FaultBook, type SimFault, type SimRoute } from './faults';
import { jobPhase, SIM_MODELS, type SimJob } from './jobs';

export const SAMPLE_VIDEO = join(__dirname, 'fixtures', 'sample.mp4');
export const SAMPLE_THUMBNAIL = join(__dirname, 'fixtures', 'thumbnail.jpg');

export interface SimulatorOptions {
  apiKey?: string;
  host?: string;
  port?: number;
  /** How long a job stays queued, then processing. */
  queuedMs?: number;
  processingMs?: number;
  /** infery answers come in the seeds' two spellings: job_id/created_at/completed or id/created/succeeded. */
  inferyStyle?: 'job_id' | 'id' | 'alternate';
  /** Lifetime of the signed URLs in job answers (the gateway's own URLs expire). */
  urlTtlMs?: number;
  /** Lifetime of the URLs from infrai's download_url endpoint. */
  downloadUrlTtlMs?: number;
  /** Serve this file as every video (default: the committed 4 s sample). */
  videoPath?: string;
  /** infrai status answers carry video_url (default); false leaves it to get/download_url. */
  infraiStatusUrl?: boolean;
}

export interface SimCall {
  at: number;
  method: string;
  path: string;
  route: SimRoute | 'unknown';
  status: number;
  model?: string;
  job_id?: string;
  idempotency_key?: string;
  /** submit: the JSON body as received. */
  body?: Record<string, unknown>;
}

type Handler = (ctx: RequestContext) => Promise<void> | void;
interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: string[];
  call: SimCall;
  body: () => Promise<unknown>;
  /** A fault that changes how the handler answers (rather than answering for it). */
  fault?: SimFault;
  /** Set while an `afterWork` fault holds the handler's own answer back. */
  answered?: boolean;
}

class HttpProblem extends Error {
  constructor(readonly status: number, readonly payload: unknown) {
    super(`HTTP ${status}`);
  }
}

const notFound = (what: string) => new HttpProblem(404, { error: { code: 'not_found', message: `${what} not found` } });
const badRequest = (message: string) => new HttpProblem(400, { error: { code: 'invalid_request', message } });

export class GatewaySimulator {
  readonly apiKey: string;
  readonly calls: SimCall[] = [];
  readonly jobs = new Map<string, SimJob>();
  readonly faults = new FaultBook();
  private readonly server: Server;
  private readonly signingKey = randomBytes(32);
  private readonly byIdempotencyKey = new Map<string, SimJob>();
  private inferyAnswers = 0;
  private baseUrl = '';
  private files = 0;
  private readonly digests = new Map<string, Promise<string>>();

  constructor(private readonly options: SimulatorOptions = {}) {
    this.apiKey = options.apiKey ?? `sim_${randomBytes(12).toString('hex')}`;
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

  // ---- routing ----------------------------------------------------------------------------------

  private readonly routes: [string, RegExp, SimRoute, Handler][] = [
    ['POST', /^\/v1\/videos\/generations$/, 'submit', (c) => this.inferyCreate(c)],
    ['GET', /^\/v1\/videos\/generations\/([^/]+)$/, 'status', (c) => this.send(c, 200, this.inferyJob(this.job(c)))],
    ['GET', /^\/v1\/models$/, 'models', (c) => this.send(c, 200, this.inferyModels(c.url))],
    ['POST', /^\/v1\/files$/, 'files', (c) => this.inferyUpload(c)],
    ['POST', /^\/v1\/video\/generate$/, 'submit', (c) => this.infraiGenerate(c)],
    ['GET', /^\/v1\/video\/status\/([^/]+)$/, 'status', (c) => this.send(c, 200, this.infraiJob(this.job(c)))],
    // seed 003 spells the same two endpoints /jobs/{id} and /jobs/{id}/cancel
    ['GET', /^\/v1\/video\/jobs\/([^/]+)$/, 'status', (c) => this.send(c, 200, this.infraiJob(this.job(c)))],
    ['POST', /^\/v1\/video\/cancel\/([^/]+)$/, 'cancel', (c) => this.infraiCancel(c)],
    ['POST', /^\/v1\/video\/jobs\/([^/]+)\/cancel$/, 'cancel', (c) => this.infraiCancel(c)],
    ['GET', /^\/v1\/video\/get\/([^/]+)$/, 'get', (c) => this.send(c, 200, this.infraiJob(this.job(c), true))],
    ['GET', /^\/v1\/video\/list$/, 'list', (c) => this.infraiList(c)],
    ['DELETE', /^\/v1\/video\/delete\/([^/]+)$/, 'delete', (c) => this.infraiDelete(c)],
    ['POST', /^\/v1\/video\/delete_all$/, 'delete_all', (c) => this.infraiDeleteAll(c)],
    ['GET', /^\/v1\/video\/download_url\/([^/]+)$/, 'download_url', (c) => this.infraiDownloadUrl(c)],
    ['POST', /^\/v1\/video\/set_retention\/([^/]+)$/, 'set_retention', (c) => this.infraiRetention(c)],
    ['GET', /^\/v1\/video\/capabilities$/, 'capabilities', (c) => this.send(c, 200, this.infraiCapabilities())],
    ['GET', /^\/files\/([^/]+)\/(video(?:-\d)?)\.mp4$/, 'video', (c) => this.serveFile(c, 'video')],
    ['GET', /^\/files\/([^/]+)\/thumbnail\.jpg$/, 'thumbnail', (c) => this.serveFile(c, 'thumbnail')],
  ];

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const call: SimCall = { at: Date.now(), method: req.method ?? 'GET', path: url.pathname, route: 'unknown', status: 0 };
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
    this.send(ctx, fault.status!, fault.body ?? { error: { code: `http_${fault.status}`, message: 'injected fault' } }, headers);
  }

  private send(ctx: RequestContext, status: number, payload: unknown, headers: Record<string, string> = {}): void {
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

  private job(ctx: RequestContext): SimJob {
    const job = this.jobs.get(ctx.params[0]);
    if (!job || job.deleted) throw notFound(`job ${ctx.params[0]}`);
    ctx.call.job_id = job.id;
    ctx.call.model = job.model;
    return job;
  }

  // ---- job creation (both dialects) -------------------------------------------------------------

  private createJob(
    ctx: RequestContext,
    dialect: SimJob['dialect'],
    fields: {
      model?: string;
      prompt?: unknown;
      duration_seconds?: unknown;
      resolution?: unknown;
      aspect_ratio?: unknown;
      image_url?: unknown;
      image_base64?: unknown;
      n?: unknown;
    },
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
    const spec = SIM_MODELS[model];
    if (!spec) throw badRequest(`unknown model "${model}"`);
    const duration = fields.duration_seconds === undefined ? Math.min(4, spec.max) : Number(fields.duration_seconds);
    if (!(duration > 0) || duration > spec.max) throw badRequest(`duration_seconds must be at most ${spec.max} for ${model}`);
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

  private async inferyCreate(ctx: RequestContext): Promise<void> {
    const body = (await ctx.body()) as Record<string, unknown>;
    ctx.call.body = { ...body };
    if (body.duration !== undefined && body.duration_seconds !== undefined && body.duration !== body.duration_seconds) {
      throw badRequest('duration and duration_seconds disagree');
    }
    if (body.duration !== undefined && body.duration_seconds === undefined) body.duration_seconds = body.duration;
    const key = headerValue(ctx.req, 'idempotency-key');
    const job = this.createJob(ctx, 'infery', { ...body, model: body.model as string | undefined }, key);
    this.send(ctx, 200, this.inferyJob(job));
  }

  private async infraiGenerate(ctx: RequestContext): Promise<void> {
    const body = (await ctx.body()) as Record<string, unknown>;
    ctx.call.body = { ...body };
    if (body.n !== undefined) throw badRequest('unknown parameter n');
    const model = (body.model as string | undefined) ?? pickModel(body.prefer);
    const job = this.createJob(
      ctx,
      'infrai',
      { ...body, model, aspect_ratio: body.aspect ?? body.aspect_ratio, image_url: body.reference_image_url },
      body.idempotency_key as string | undefined,
    );
    this.send(ctx, 200, this.infraiJob(job));
  }

  // ---- infery answers ---------------------------------------------------------------------------

  private inferyJob(job: SimJob): Record<string, unknown> {
    const style =
      this.options.inferyStyle === 'alternate' || this.options.inferyStyle === undefined
        ? this.inferyAnswers++ % 2 === 0 ? 'job_id' : 'id'
        : this.options.inferyStyle;
    const { phase, progress } = jobPhase(job, Date.now());
    const status = phase === 'succeeded' ? (style === 'job_id' ? 'completed' : 'succeeded') : phase;
    const answer: Record<string, unknown> = {
      [style === 'job_id' ? 'job_id' : 'id']: job.id,
      status,
      progress,
      [style === 'job_id' ? 'created_at' : 'created']: Math.floor(job.created_ms / 1000),
      model: job.model,
    };
    if (phase === 'succeeded') {
      answer.result = {
        url: this.signedUrl(job, 'video'),
        thumbnail_url: this.signedUrl(job, 'thumbnail'),
        mirror_status: job.mirror_status,
        // n > 1: every video, the first repeated, as a list of {url}.
        ...(job.n > 1
          ? { videos: Array.from({ length: job.delivers }, (_, i) => ({ url: this.signedUrl(job, 'video', undefined, i + 1) })) }
          : {}),
      };
    }
    if (phase === 'failed' && job.outcome.kind === 'failed') answer.error = job.outcome.error;
    return answer;
  }

  private inferyModels(url: URL): unknown {
    const modality = url.searchParams.get('modality');
    return {
      object: 'list',
      data: Object.entries(SIM_MODELS)
        .filter(() => !modality || modality === 'video')
        .map(([id, m]) => ({
          id,
          object: 'model',
          modality: 'video',
          owned_by: m.vendor,
          allowedParams: { resolution: m.resolutions, aspect_ratio: m.aspects, duration_seconds: { min: 1, max: m.max } },
        })),
    };
  }

  private async inferyUpload(ctx: RequestContext): Promise<void> {
    const request = new Request('http://simulator/v1/files', {
      method: 'POST',
      headers: { 'content-type': headerValue(ctx.req, 'content-type') ?? '' },
      body: await readRaw(ctx.req),
    });
    const form = await request.formData().catch(() => undefined);
    const file = form?.get('file');
    if (!form || !(file instanceof Blob)) throw badRequest('multipart body with a "file" part is required');
    this.files += 1;
    this.send(ctx, 200, {
      id: `file_${this.files.toString().padStart(6, '0')}`,
      object: 'file',
      bytes: file.size,
      purpose: String(form.get('purpose') ?? 'user_data'),
      filename: file instanceof File ? file.name : 'upload',
    });
  }

  // ---- infrai answers ---------------------------------------------------------------------------

  private infraiJob(job: SimJob, full = false): Record<string, unknown> {
    const { phase } = jobPhase(job, Date.now());
    // infrai's status vocabulary differs from infery's; progress is not reported at all.
    const state = { queued: 'pending', processing: 'running', succeeded: 'succeeded', failed: 'failed', cancelled: 'cancelled' }[phase];
    const answer: Record<string, unknown> = { job_id: job.id, state };
    if (phase === 'succeeded' && (full || this.options.infraiStatusUrl !== false)) {
      answer.video_url = this.signedUrl(job, 'video');
      answer.thumbnail_url = this.signedUrl(job, 'thumbnail');
    }
    if (phase === 'failed' && job.outcome.kind === 'failed') answer.error = job.outcome.error;
    if (full) {
      Object.assign(answer, {
        duration_seconds: job.duration_seconds,
        resolution: job.resolution,
        vendor: SIM_MODELS[job.model]?.vendor,
        model: job.model,
      });
    }
    return answer;
  }

  private infraiCancel(ctx: RequestContext): void {
    const job = this.job(ctx);
    const { phase } = jobPhase(job, Date.now());
    const running = phase === 'queued' || phase === 'processing';
    if (running) job.cancelled_ms = Date.now();
    this.send(ctx, 200, { ok: running || phase === 'cancelled' });
  }

  private infraiList(ctx: RequestContext): void {
    const limit = Math.max(1, Math.min(100, Number(ctx.url.searchParams.get('limit') ?? 20) || 20));
    const all = [...this.jobs.values()].filter((j) => j.dialect === 'infrai' && !j.deleted);
    const cursor = ctx.url.searchParams.get('cursor');
    const start = cursor ? Number(Buffer.from(cursor, 'base64url').toString()) : 0;
    if (!Number.isInteger(start) || start < 0) throw badRequest('invalid cursor');
    const items = all.slice(start, start + limit).map((j) => this.infraiJob(j));
    const next = start + limit < all.length ? Buffer.from(String(start + limit)).toString('base64url') : undefined;
    this.send(ctx, 200, next ? { items, next_cursor: next } : { items });
  }

  private infraiDelete(ctx: RequestContext): void {
    this.job(ctx).deleted = true;
    this.send(ctx, 200, { ok: true });
  }

  private infraiDeleteAll(ctx: RequestContext): void {
    let deleted = 0;
    for (const job of this.jobs.values()) {
      if (job.dialect === 'infrai' && !job.deleted) {
        job.deleted = true;
        deleted += 1;
      }
    }
    this.send(ctx, 200, { deleted });
  }

  private infraiDownloadUrl(ctx: RequestContext): void {
    const job = this.job(ctx);
    if (jobPhase(job, Date.now()).phase !== 'succeeded') {
      throw new HttpProblem(409, { error: { code: 'not_ready', message: 'the job has no video yet' } });
    }
    const url = this.signedUrl(job, 'video', this.options.downloadUrlTtlMs ?? 3_600_000);
    this.send(ctx, 200, { url, expires_at: new Date(Number(new URL(url).searchParams.get('expires'))).toISOString() });
  }

  private async infraiRetention(ctx: RequestContext): Promise<void> {
    const job = this.job(ctx);
    const { days } = (await ctx.body()) as { days?: unknown };
    if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > 90) {
      throw badRequest('days must be a whole number from 1 to 90');
    }
    job.retention_days = days;
    this.send(ctx, 200, {
      job_id: job.id,
      retention_days: days,
      expires_at: new Date(job.created_ms + days * 86_400_000).toISOString(),
    });
  }

  private infraiCapabilities(): unknown {
    const vendors = new Map<string, { models: string[]; resolutions: Set<string>; max: number }>();
    for (const [id, m] of Object.entries(SIM_MODELS)) {
      const v = vendors.get(m.vendor) ?? { models: [], resolutions: new Set<string>(), max: 0 };
      v.models.push(id);
      m.resolutions.forEach((r) => v.resolutions.add(r));
      v.max = Math.max(v.max, m.max);
      vendors.set(m.vendor, v);
    }
    return {
      vendors: [...vendors].map(([vendor, v]) => ({
        vendor,
        models: v.models,
        resolutions: [...v.resolutions],
        max_duration_seconds: v.max,
        supports_extend: vendor === 'google',
        supports_upscale: vendor !== 'xai',
      })),
    };
  }

  // ---- signed files -----------------------------------------------------------------------------

  /** A signed URL for one of a job's files; `index` numbers the videos of an `n > 1` job from 1. */
  signedUrl(job: SimJob, kind: 'video' | 'thumbnail', ttlMs = this.options.urlTtlMs ?? 3_600_000, index = 1): string {
    const expires = Date.now() + ttlMs;
    const name = kind === 'video' ? (index > 1 ? `video-${index}` : 'video') : 'thumbnail';
    const file = kind === 'video' ? `${name}.mp4` : 'thumbnail.jpg';
    return `${this.baseUrl}/files/${job.id}/${file}?expires=${expires}&sig=${this.sign(job.id, name, expires)}`;
  }

  private sign(jobId: string, kind: string, expires: number): string {
    return createHmac('sha256', this.signingKey).update(`${jobId}/${kind}/${expires}`).digest('base64url');
  }

  private async serveFile(ctx: RequestContext, kind: 'video' | 'thumbnail'): Promise<void> {
    const job = this.jobs.get(ctx.params[0]);
    const expires = Number(ctx.url.searchParams.get('expires'));
    const sig = ctx.url.searchParams.get('sig') ?? '';
    const name = kind === 'video' ? ctx.params[1] : 'thumbnail';
    if (!job || job.deleted || sig !== this.sign(ctx.params[0], name, expires)) {
      throw new HttpProblem(403, { error: { code: 'signature_invalid', message: 'bad signature' } });
    }
    ctx.call.job_id = job.id;
    if (Date.now() > expires) throw new HttpProblem(403, { error: { code: 'url_expired', message: 'the signed URL has expired' } });
    const fault = ctx.fault;
    if (fault?.redirectTo) {
      ctx.call.status = 302;
      ctx.res.writeHead(302, { location: fault.redirectTo }).end();
      return;
    }
    const path = kind === 'video' ? (this.options.videoPath ?? SAMPLE_VIDEO) : SAMPLE_THUMBNAIL;
    const size = statSync(path).size;
    ctx.call.status = 200;
    ctx.res.writeHead(200, {
      'content-type': fault?.contentType ?? (kind === 'video' ? 'video/mp4' : 'image/jpeg'),
      'content-length': String(size),
      // RFC 9530, as GCS and S3 announce checksums: lets a client prove the body arrived intact.
      'repr-digest': `sha-256=:${await this.digest(path)}:`,
    });
    const truncateAt = fault?.truncateAt;
    const stream = createReadStream(path, truncateAt !== undefined ? { end: truncateAt - 1 } : {});
    const rate = fault?.bytesPerSecond;
    const corrupt = new Transform({
      transform(chunk: Buffer, _enc, done) {
        if (fault?.corrupt) chunk = Buffer.from(chunk.map((b) => b ^ 0xff));
        if (rate) setTimeout(() => done(null, chunk), (chunk.length / rate) * 1000);
        else done(null, chunk);
      },
    });
    try {
      await pipeline(stream, corrupt, ctx.res, { end: truncateAt === undefined });
    } catch {
      return; // the client went away
    }
    if (truncateAt !== undefined) ctx.res.destroy();
  }

  private digest(path: string): Promise<string> {
    let digest = this.digests.get(path);
    if (!digest) {
      const hash = createHash('sha256');
      digest = pipeline(createReadStream(path), hash).then(() => hash.digest('base64'));
      this.digests.set(path, digest);
    }
    return digest;
  }
}

function pickModel(prefer: unknown): string {
  return prefer === 'cheapest' ? 'wan-2-1' : prefer === 'smartest' ? 'veo-3-1' : 'veo-3-1-fast';
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function readRaw(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const raw = (await readRaw(req)).toString('utf8');
  if (!raw) return {};
  try {
    return JSON.parse(raw);
  } catch {
    throw badRequest('the body is not valid JSON');
  }
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<GatewaySimulator> {
  return new GatewaySimulator(options).start();
}
