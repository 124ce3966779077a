/**
 * zod schemas for every response variant the gateway documentation shows, and their normalisation.
 * The seeds disagree: `job_id` | `id`, `status` | `state`, `created_at` | `created`,
 * `completed` | `succeeded`, `result.url` | `video_url`. All are accepted here and nowhere else.
 */
import { z } from 'zod';
import type { ModelSpec } from '../catalog';
import type { GatewayJob, GatewayVideo, JobStatus } from './types';

/**
 * Words whose meaning we know. Endings are listed so a job is never abandoned by mistake; the
 * working words only refine the displayed status: any word not here means "still working".
 */
const STATUS_WORDS: Record<string, JobStatus> = {
  queued: 'queued',
  pending: 'queued',
  submitted: 'queued',
  created: 'queued',
  waiting: 'queued',
  processing: 'processing',
  running: 'processing',
  in_progress: 'processing',
  generating: 'processing',
  started: 'processing',
  completed: 'succeeded',
  succeeded: 'succeeded',
  success: 'succeeded',
  done: 'succeeded',
  finished: 'succeeded',
  failed: 'failed',
  failure: 'failed',
  error: 'failed',
  errored: 'failed',
  expired: 'failed',
  rejected: 'failed',
  timeout: 'failed',
  timed_out: 'failed',
  cancelled: 'cancelled',
  canceled: 'cancelled',
  aborted: 'cancelled',
};

/** The job status a word means; `working` for every word not known to mean an ending. */
export function normaliseStatus(word: string): JobStatus {
  const key = word.trim().toLowerCase().replace(/[ -]/g, '_');
  // Own words only: "constructor" or "__proto__" from a gateway are unfamiliar words, not endings.
  return Object.hasOwn(STATUS_WORDS, key) ? STATUS_WORDS[key] : 'working';
}

const ErrorField = z
  .union([
    z.string(),
    z.object({ message: z.string().optional(), code: z.string().optional(), type: z.string().optional() }).loose(),
  ])
  .nullish()
  .transform((e): { message?: string; code?: string } =>
    e == null ? {} : typeof e === 'string' ? { message: e } : { message: e.message ?? e.code, code: e.code ?? e.type },
  );

/** A video in a list: a bare URL, or an object naming it (`url` or `video_url`) and maybe a thumbnail. */
const VideoEntry = z
  .union([
    z.string(),
    z
      .object({ url: z.string().optional(), video_url: z.string().optional(), thumbnail_url: z.string().optional() })
      .loose(),
  ])
  .transform((v): GatewayVideo | undefined => {
    if (typeof v === 'string') return { url: v };
    const url = v.url ?? v.video_url;
    return url ? { url, ...(v.thumbnail_url ? { thumbnail_url: v.thumbnail_url } : {}) } : undefined;
  });
const VideoList = z.array(VideoEntry).optional();

const ResultField = z
  .object({
    url: z.string().optional(),
    video_url: z.string().optional(),
    thumbnail_url: z.string().optional(),
    mirror_status: z.string().optional(),
    videos: VideoList,
    urls: VideoList,
  })
  .loose()
  .nullish();

/** Two URLs of one object: equal but for the query string (signatures, expiry). */
function sameObject(a: string, b: string): boolean {
  return a.split('?')[0] === b.split('?')[0];
}

/**
 * Text the gateway controls rides in activity results, attempts, failure messages and carried state:
 * each piece is kept short (the word a gateway uses is never meant to be an essay).
 */
const clip = (text: string | undefined, max: number) =>
  text === undefined || text.length <= max ? text : `${text.slice(0, max - 1)}…`;

export const JobResponse = z
  .object({
    job_id: z.string().min(1).max(1000).optional(),
    id: z.string().min(1).max(1000).optional(),
    status: z.string().optional(),
    state: z.string().optional(),
    progress: z.number().min(0).max(100).nullish(),
    model: z.string().nullish(),
    created_at: z.union([z.number(), z.string()]).nullish(),
    created: z.union([z.number(), z.string()]).nullish(),
    video_url: z.string().nullish(),
    thumbnail_url: z.string().nullish(),
    mirror_status: z.string().nullish(),
    videos: VideoList,
    result: ResultField,
    error: ErrorField,
    error_code: z.string().nullish(),
  })
  .loose()
  .refine((j) => j.job_id ?? j.id, { message: 'no job_id or id' })
  .refine((j) => j.status ?? j.state, { message: 'no status or state' })
  .transform((j): GatewayJob => {
    const upstream = clip((j.status ?? j.state)!, 100)!;
    const job: GatewayJob = {
      job_id: (j.job_id ?? j.id)!,
      status: normaliseStatus(upstream),
      upstream_status: upstream,
    };
    const set = <K extends keyof GatewayJob>(key: K, value: GatewayJob[K] | null | undefined) => {
      if (value !== undefined && value !== null) job[key] = value;
    };
    set('progress', j.progress);
    set('model', clip(j.model ?? undefined, 100));
    const first = j.result?.url ?? j.result?.video_url ?? j.video_url ?? undefined;
    const listed = [...(j.result?.videos ?? []), ...(j.result?.urls ?? []), ...(j.videos ?? [])].filter(
      (v): v is GatewayVideo => v !== undefined,
    );
    const thumbnail = j.result?.thumbnail_url ?? j.thumbnail_url ?? undefined;
    // The single-video fields name the first video; a list may repeat it, signed anew (a different
    // query string), so entries are the same video when they name the same object.
    const videos = first ? [{ url: first, ...(thumbnail ? { thumbnail_url: thumbnail } : {}) }] : [];
    for (const v of listed) if (!videos.some((known) => sameObject(known.url, v.url))) videos.push(v);
    set('video_url', videos[0]?.url);
    set('thumbnail_url', thumbnail ?? videos[0]?.thumbnail_url);
    if (videos.length) job.videos = videos;
    set('mirror_status', clip(j.result?.mirror_status ?? j.mirror_status ?? undefined, 100));
    set('error', clip(j.error?.message, 1000));
    set('error_code', clip(j.error?.code ?? j.error_code ?? undefined, 100));
    return job;
  });

export const CancelResponse = z.object({ ok: z.boolean().optional(), cancelled: z.boolean().optional() }).loose();

/** `allowedParams.duration_seconds` is seen as a list of values, a {min,max} range, or a maximum. */
const DurationAllowed = z
  .union([z.array(z.number()), z.object({ max: z.number(), min: z.number().optional() }).loose(), z.number()])
  .transform((d) => (Array.isArray(d) ? Math.max(...d) : typeof d === 'number' ? d : d.max));

const InferyModel = z
  .object({
    id: z.string(),
    modality: z.string().optional(),
    vendor: z.string().optional(),
    owned_by: z.string().optional(),
    allowedParams: z
      .object({
        resolution: z.array(z.string()).optional(),
        aspect_ratio: z.array(z.string()).optional(),
        duration_seconds: DurationAllowed.optional(),
        duration: DurationAllowed.optional(),
      })
      .loose()
      .optional(),
    pricing: z.object({ credits_per_4s_720p: z.number().optional() }).loose().optional(),
  })
  .loose();

export const InferyModelsResponse = z
  .union([
    z.array(InferyModel),
    z
      .object({ data: z.array(InferyModel).optional(), models: z.array(InferyModel).optional() })
      .loose()
      .refine((r) => r.data ?? r.models, { message: 'no data or models list' }),
  ])
  .transform((r): Partial<ModelSpec>[] => {
    const models = Array.isArray(r) ? r : (r.data ?? r.models ?? []);
    return models
      .filter((m) => !m.modality || m.modality === 'video')
      .map((m) => ({
        id: m.id,
        vendor: m.vendor ?? m.owned_by,
        max_duration_seconds: m.allowedParams?.duration_seconds ?? m.allowedParams?.duration,
        resolutions: m.allowedParams?.resolution,
        aspect_ratios: m.allowedParams?.aspect_ratio,
        credits_per_4s_720p: m.pricing?.credits_per_4s_720p,
      }));
  });

const InfraiVendor = z
  .object({
    vendor: z.string(),
    models: z.array(z.union([z.string(), z.object({ id: z.string() }).loose()])),
    resolutions: z.array(z.string()).optional(),
    aspect_ratios: z.array(z.string()).optional(),
    max_duration_seconds: z.number().optional(),
    supports_extend: z.boolean().optional(),
    supports_upscale: z.boolean().optional(),
  })
  .loose();

export const InfraiCapabilitiesResponse = z
  .object({ vendors: z.array(InfraiVendor) })
  .loose()
  .transform((r): Partial<ModelSpec>[] =>
    r.vendors.flatMap((v) =>
      v.models.map((m) => ({
        id: typeof m === 'string' ? m : m.id,
        vendor: v.vendor,
        max_duration_seconds: v.max_duration_seconds,
        resolutions: v.resolutions,
        aspect_ratios: v.aspect_ratios,
      })),
    ),
  );

export const InfraiJobPage = z.object({ items: z.array(JobResponse), next_cursor: z.string().nullish() }).loose();

export const InfraiDownloadUrl = z.object({ url: z.string(), expires_at: z.string().optional() }).loose();
export const InfraiRetention = z
  .object({ job_id: z.string(), retention_days: z.number(), expires_at: z.string().optional() })
  .loose();
export const InfraiDeleteAll = z.object({ deleted: z.number() }).loose();
export const OkResponse = z.object({ ok: z.boolean() }).loose();
export const InferyFile = z
  .object({
    id: z.string(),
    bytes: z.number().optional(),
    purpose: z.string().optional(),
    filename: z.string().optional(),
  })
  .loose();
