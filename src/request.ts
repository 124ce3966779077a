/**
 * The `GenerateVideo` wire format: the JSON body a user would POST to the gateway, in its own
 * snake_case, plus our optional fields. Accepts both dialects' spellings (`duration` or
 * `duration_seconds`, `aspect` or `aspect_ratio`, `reference_image_url` or `image_url`) and
 * normalises them. Pure zod. The client checks a request with it before starting; a workflow has it
 * checked by a local activity (checkRequest), so zod stays out of the workflow sandbox (see
 * workflows/lazy.ts).
 */
import { z } from 'zod';
import { DEFAULT_VIDEO_TIMEOUT_MS } from './contract';
import { callbackUrlProblem } from './addresses';
import { parseDuration } from './duration';
import { describeIssues, invalidInput } from './failures';
import { fitsKeySegment, INPUT_IMAGE_KEY, MAX_KEY_SEGMENT } from './store/types';

export const MIN_POLL_INTERVAL_MS = 100;
export const MAX_TIMEOUT_MS = 24 * 3_600_000;
/**
 * The largest inline image a workflow input may carry. The client library stores every inline image by
 * reference when it has a store (VideoClientOptions.inputStore), so this only bounds callers without one.
 */
export const MAX_INLINE_IMAGE_BASE64_CHARS = 256 * 1024;

/** Standard base64 with padding; line breaks allowed, as MIME writes it. Empty is not an image. */
export function isBase64(text: string): boolean {
  const compact = text.replace(/\r?\n/g, '');
  return compact.length > 0 && compact.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(compact);
}

const durationText = (what: string, min: number, max: number) =>
  z.union([z.string(), z.number()]).transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms === undefined || ms < min || ms > max) {
      ctx.addIssue({
        code: 'custom',
        message: `${what} must be a duration like "5s", "2m" or "1h" between ${min} ms and ${max} ms`,
      });
      return z.NEVER;
    }
    return ms;
  });

/** The fields of a GenerateVideo request, each as it is written (CSV manifests map columns to them). */
export const GenerateVideoFields = z
  .object({
    prompt: z.string().trim().min(1, 'prompt must not be empty').max(8000),
    model: z.string().trim().min(1).optional(),
    duration_seconds: z.number().positive().max(600).optional(),
    /** infery seed 001 spelling of duration_seconds. */
    duration: z.number().positive().max(600).optional(),
    resolution: z.string().trim().min(1).optional(),
    aspect_ratio: z.string().trim().min(1).optional(),
    /** infrai spelling of aspect_ratio. */
    aspect: z.string().trim().min(1).optional(),
    n: z.number().int().min(1).max(4).optional(),
    image_url: z.url({ protocol: /^https?$/ }).optional(),
    /** infrai spelling of image_url. */
    reference_image_url: z.url({ protocol: /^https?$/ }).optional(),
    image_base64: z
      .string()
      .max(MAX_INLINE_IMAGE_BASE64_CHARS, {
        message: `image_base64 is larger than ${MAX_INLINE_IMAGE_BASE64_CHARS} characters; pass image_url instead`,
      })
      .refine(isBase64, 'image_base64 is not base64 (RFC 4648, standard alphabet, padded)')
      .optional(),
    /** An input image kept out of history: a store key written by the client library (inputs/<sha256>.<ext>). */
    // A copy of the pattern: zod resets its lastIndex, and in a worker the shared store/types module is frozen.
    image_ref: z
      .string()
      .regex(new RegExp(INPUT_IMAGE_KEY), 'image_ref must be a key written by the client library')
      .optional(),
    person_generation: z.enum(['dont_allow', 'allow_adult', 'allow_all']).optional(),
    fallback_models: z.array(z.string().trim().min(1)).max(10).optional(),
    prefer: z.enum(['balanced', 'cheapest', 'smartest']).optional(),
    idempotency_key: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .refine(
        (key) => fitsKeySegment(key),
        `idempotency_key is too long once made a file name (${MAX_KEY_SEGMENT} characters, each non-ASCII one counting 6)`,
      )
      .optional(),
    /** Where the worker POSTs the result when the job ends (Standard Webhooks, signed). */
    callback_url: z
      .url({ protocol: /^https?$/ })
      .superRefine((url, ctx) => {
        const problem = callbackUrlProblem(url);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
    /** The most this video may cost, in the catalog's credits, counting every attempt; absent: no cap. */
    max_credits: z.number().nonnegative().optional(),
    /** Credits per 4 s 720p clip by model, over the catalog's: prices a model the gateway does not. */
    prices: z.record(z.string(), z.number().nonnegative()).optional(),
    /** A duration, or "auto": sleep until the model usually finishes, then poll every 5 s. */
    poll_interval: z
      .union([z.literal('auto'), durationText('poll_interval', MIN_POLL_INTERVAL_MS, 600_000)])
      .default(5000),
    /**
     * How polls run: "timer" (default) sleeps on a durable timer and polls with a local activity per
     * poll; "activity" polls inside one heartbeating activity that returns only when something changed,
     * for fleets of thousands of jobs (fewer workflow tasks and history events).
     */
    poll_mode: z.enum(['timer', 'activity']).optional(),
    timeout: durationText('timeout', 1000, MAX_TIMEOUT_MS).default(DEFAULT_VIDEO_TIMEOUT_MS),
  })
  .strict();

export type GenerateVideoInput = z.input<typeof GenerateVideoFields>;

/** One spelling per field; durations in milliseconds. */
export const GenerateVideoRequest = GenerateVideoFields.superRefine((input, ctx) => {
  const conflict = (a: keyof typeof input, b: keyof typeof input) => {
    if (input[a] !== undefined && input[b] !== undefined && input[a] !== input[b]) {
      ctx.addIssue({ code: 'custom', path: [b], message: `${a} and ${b} disagree; send one of them` });
    }
  };
  conflict('duration_seconds', 'duration');
  conflict('aspect_ratio', 'aspect');
  conflict('image_url', 'reference_image_url');
  const images = [input.image_url ?? input.reference_image_url, input.image_base64, input.image_ref].filter(Boolean);
  if (images.length > 1) {
    ctx.addIssue({
      code: 'custom',
      path: ['image_base64'],
      message: 'send one of image_url, image_base64 and image_ref',
    });
  }
}).transform((input) => ({
  prompt: input.prompt,
  model: input.model,
  duration_seconds: input.duration_seconds ?? input.duration,
  resolution: input.resolution,
  aspect_ratio: input.aspect_ratio ?? input.aspect,
  n: input.n,
  image_url: input.image_url ?? input.reference_image_url,
  image_base64: input.image_base64,
  image_ref: input.image_ref,
  person_generation: input.person_generation,
  fallback_models: input.fallback_models,
  prefer: input.prefer,
  idempotency_key: input.idempotency_key,
  max_credits: input.max_credits,
  prices: input.prices,
  callback_url: input.callback_url,
  poll_interval_ms: input.poll_interval === 'auto' ? 5000 : input.poll_interval,
  adaptive_polling: input.poll_interval === 'auto',
  poll_mode: input.poll_mode ?? 'timer',
  timeout_ms: input.timeout,
}));
export type GenerateVideoRequest = z.output<typeof GenerateVideoRequest>;

/** The normalised request, or an InvalidInput failure naming every problem. */
export function parseGenerateVideoInput(input: unknown): GenerateVideoRequest {
  const parsed = GenerateVideoRequest.safeParse(input);
  if (!parsed.success) throw invalidInput(`invalid GenerateVideo input: ${describeIssues(parsed.error)}`);
  return parsed.data;
}
