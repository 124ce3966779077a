/**
 * The `infery` dialect (seeds 000-002), as the simulator answers it: /v1/videos/generations, /v1/models,
 * /v1/files. Its job answers alternate between the seeds' two spellings unless told otherwise.
 */
import type { SimulatorCore } from './core';
import { badRequest, headerValue, readRaw, type RequestContext, type Route } from './http';
import { jobPhase, SIM_MODELS, type SimJob } from './jobs';

export class InferySimulator {
  private answers = 0;
  private files = 0;

  constructor(private readonly sim: SimulatorCore) {}

  routes(): Route[] {
    return [
      ['POST', /^\/v1\/videos\/generations$/, 'submit', (c) => this.create(c)],
      [
        'GET',
        /^\/v1\/videos\/generations\/([^/]+)$/,
        'status',
        (c) => this.sim.send(c, 200, this.jobAnswer(this.sim.job(c))),
      ],
      ['GET', /^\/v1\/models$/, 'models', (c) => this.sim.send(c, 200, this.models(c.url))],
      ['POST', /^\/v1\/files$/, 'files', (c) => this.upload(c)],
    ];
  }

  async create(ctx: RequestContext): Promise<void> {
    const body = (await ctx.body()) as Record<string, unknown>;
    ctx.call.body = { ...body };
    if (body.duration !== undefined && body.duration_seconds !== undefined && body.duration !== body.duration_seconds) {
      throw badRequest('duration and duration_seconds disagree');
    }
    if (body.duration !== undefined && body.duration_seconds === undefined) body.duration_seconds = body.duration;
    const key = headerValue(ctx.req, 'idempotency-key');
    const job = this.sim.createJob(ctx, 'infery', { ...body, model: body.model as string | undefined }, key);
    this.sim.send(ctx, 200, this.jobAnswer(job));
  }

  jobAnswer(job: SimJob): Record<string, unknown> {
    const style =
      this.sim.options.inferyStyle === 'alternate' || this.sim.options.inferyStyle === undefined
        ? this.answers++ % 2 === 0
          ? 'job_id'
          : 'id'
        : this.sim.options.inferyStyle;
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
        url: this.sim.files.signedUrl(job, 'video'),
        thumbnail_url: this.sim.files.signedUrl(job, 'thumbnail'),
        mirror_status: job.mirror_status,
        // n > 1: every video, the first repeated, as a list of {url}.
        ...(job.n > 1
          ? {
              videos: Array.from({ length: job.delivers }, (_, i) => ({
                url: this.sim.files.signedUrl(job, 'video', undefined, i + 1),
              })),
            }
          : {}),
      };
    }
    if (phase === 'failed' && job.outcome.kind === 'failed') answer.error = job.outcome.error;
    return answer;
  }

  models(url: URL): unknown {
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
          allowedParams: {
            resolution: m.resolutions,
            aspect_ratio: m.aspects,
            duration_seconds: { min: 1, max: m.max },
          },
        })),
    };
  }

  async upload(ctx: RequestContext): Promise<void> {
    const request = new Request('http://simulator/v1/files', {
      method: 'POST',
      headers: { 'content-type': headerValue(ctx.req, 'content-type') ?? '' },
      body: await readRaw(ctx.req),
    });
    const form = await request.formData().catch(() => undefined);
    const file = form?.get('file');
    if (!form || !(file instanceof Blob)) throw badRequest('multipart body with a "file" part is required');
    this.files += 1;
    this.sim.send(ctx, 200, {
      id: `file_${this.files.toString().padStart(6, '0')}`,
      object: 'file',
      bytes: file.size,
      purpose: String(form.get('purpose') ?? 'user_data'),
      filename: file instanceof File ? file.name : 'upload',
    });
  }
}
