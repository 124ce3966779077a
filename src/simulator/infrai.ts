/**
 * The `infrai` dialect (seeds 003-004), as the simulator answers it: /v1/video/{generate,status,cancel,
 * get,list,delete,delete_all,download_url,set_retention,capabilities}, and seed 003's /jobs/{id} spellings.
 */
import type { SimulatorCore } from './core';
import { badRequest, HttpProblem, type RequestContext, type Route } from './http';
import { jobPhase, SIM_MODELS, type SimJob } from './jobs';

export class InfraiSimulator {
  constructor(private readonly sim: SimulatorCore) {}

  routes(): Route[] {
    return [
      ['POST', /^\/v1\/video\/generate$/, 'submit', (c) => this.generate(c)],
      [
        'GET',
        /^\/v1\/video\/status\/([^/]+)$/,
        'status',
        (c) => this.sim.send(c, 200, this.jobAnswer(this.sim.job(c))),
      ],
      // seed 003 spells the same two endpoints /jobs/{id} and /jobs/{id}/cancel
      ['GET', /^\/v1\/video\/jobs\/([^/]+)$/, 'status', (c) => this.sim.send(c, 200, this.jobAnswer(this.sim.job(c)))],
      ['POST', /^\/v1\/video\/cancel\/([^/]+)$/, 'cancel', (c) => this.cancel(c)],
      ['POST', /^\/v1\/video\/jobs\/([^/]+)\/cancel$/, 'cancel', (c) => this.cancel(c)],
      [
        'GET',
        /^\/v1\/video\/get\/([^/]+)$/,
        'get',
        (c) => this.sim.send(c, 200, this.jobAnswer(this.sim.job(c), true)),
      ],
      ['GET', /^\/v1\/video\/list$/, 'list', (c) => this.list(c)],
      ['DELETE', /^\/v1\/video\/delete\/([^/]+)$/, 'delete', (c) => this.delete(c)],
      ['POST', /^\/v1\/video\/delete_all$/, 'delete_all', (c) => this.deleteAll(c)],
      ['GET', /^\/v1\/video\/download_url\/([^/]+)$/, 'download_url', (c) => this.downloadUrl(c)],
      ['POST', /^\/v1\/video\/set_retention\/([^/]+)$/, 'set_retention', (c) => this.retention(c)],
      ['GET', /^\/v1\/video\/capabilities$/, 'capabilities', (c) => this.sim.send(c, 200, this.capabilities())],
    ];
  }

  async generate(ctx: RequestContext): Promise<void> {
    const body = (await ctx.body()) as Record<string, unknown>;
    ctx.call.body = { ...body };
    if (body.n !== undefined) throw badRequest('unknown parameter n');
    const model = (body.model as string | undefined) ?? pickModel(body.prefer);
    const job = this.sim.createJob(
      ctx,
      'infrai',
      { ...body, model, aspect_ratio: body.aspect ?? body.aspect_ratio, image_url: body.reference_image_url },
      body.idempotency_key as string | undefined,
    );
    this.sim.send(ctx, 200, this.jobAnswer(job));
  }

  jobAnswer(job: SimJob, full = false): Record<string, unknown> {
    const { phase } = jobPhase(job, Date.now());
    // infrai's status vocabulary differs from infery's; progress is not reported at all.
    const state = {
      queued: 'pending',
      processing: 'running',
      succeeded: 'succeeded',
      failed: 'failed',
      cancelled: 'cancelled',
    }[phase];
    const answer: Record<string, unknown> = { job_id: job.id, state };
    if (phase === 'succeeded' && (full || this.sim.options.infraiStatusUrl !== false)) {
      answer.video_url = this.sim.files.signedUrl(job, 'video');
      answer.thumbnail_url = this.sim.files.signedUrl(job, 'thumbnail');
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

  cancel(ctx: RequestContext): void {
    const job = this.sim.job(ctx);
    const { phase } = jobPhase(job, Date.now());
    const running = phase === 'queued' || phase === 'processing';
    if (running) job.cancelled_ms = Date.now();
    this.sim.send(ctx, 200, { ok: running || phase === 'cancelled' });
  }

  list(ctx: RequestContext): void {
    const limit = Math.max(1, Math.min(100, Number(ctx.url.searchParams.get('limit') ?? 20) || 20));
    const all = [...this.sim.jobs.values()].filter((j) => j.dialect === 'infrai' && !j.deleted);
    const cursor = ctx.url.searchParams.get('cursor');
    const start = cursor ? Number(Buffer.from(cursor, 'base64url').toString()) : 0;
    if (!Number.isInteger(start) || start < 0) throw badRequest('invalid cursor');
    const items = all.slice(start, start + limit).map((j) => this.jobAnswer(j));
    const next = start + limit < all.length ? Buffer.from(String(start + limit)).toString('base64url') : undefined;
    this.sim.send(ctx, 200, next ? { items, next_cursor: next } : { items });
  }

  delete(ctx: RequestContext): void {
    this.sim.job(ctx).deleted = true;
    this.sim.send(ctx, 200, { ok: true });
  }

  deleteAll(ctx: RequestContext): void {
    let deleted = 0;
    for (const job of this.sim.jobs.values()) {
      if (job.dialect === 'infrai' && !job.deleted) {
        job.deleted = true;
        deleted += 1;
      }
    }
    this.sim.send(ctx, 200, { deleted });
  }

  downloadUrl(ctx: RequestContext): void {
    const job = this.sim.job(ctx);
    if (jobPhase(job, Date.now()).phase !== 'succeeded') {
      throw new HttpProblem(409, { error: { code: 'not_ready', message: 'the job has no video yet' } });
    }
    const url = this.sim.files.signedUrl(job, 'video', this.sim.options.downloadUrlTtlMs ?? 3_600_000);
    this.sim.send(ctx, 200, {
      url,
      expires_at: new Date(Number(new URL(url).searchParams.get('expires'))).toISOString(),
    });
  }

  async retention(ctx: RequestContext): Promise<void> {
    const job = this.sim.job(ctx);
    const { days } = (await ctx.body()) as { days?: unknown };
    if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > 90) {
      throw badRequest('days must be a whole number from 1 to 90');
    }
    job.retention_days = days;
    this.sim.send(ctx, 200, {
      job_id: job.id,
      retention_days: days,
      expires_at: new Date(job.created_ms + days * 86_400_000).toISOString(),
    });
  }

  capabilities(): unknown {
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
}

function pickModel(prefer: unknown): string {
  return prefer === 'cheapest' ? 'wan-2-1' : prefer === 'smartest' ? 'veo-3-1' : 'veo-3-1-fast';
}
