/**
 * The model catalog: what each model accepts and roughly costs. The built-in entries come from the
 * gateway documentation; a live catalog (`/v1/models`, `/v1/video/capabilities`) overrides them when
 * the gateway answers. Pure data and functions: the workflow imports this file.
 */

export interface ModelSpec {
  id: string;
  vendor: string;
  max_duration_seconds: number;
  resolutions: string[];
  aspect_ratios: string[];
  /** Credits for a 4 s 720p clip; null when the gateway does not publish a price. */
  credits_per_4s_720p: number | null;
  /** Relative output quality, 1 (draft) to 5 (final), used by `prefer: "smartest"`. */
  quality: number;
  /** False for models that must be asked for by name (e.g. a vendor API being shut down). */
  auto_fallback: boolean;
}

export type Catalog = Record<string, ModelSpec>;

/**
 * The spec of a model the catalog lists, or undefined. Model names are untrusted text (inputs,
 * signals, manifests, the live catalog): `catalog["constructor"]` would answer with Object.prototype's
 * member, so only the catalog's own entries count. Every lookup by a model name goes through here.
 */
export function modelSpec(catalog: Catalog, model: string): ModelSpec | undefined {
  return Object.hasOwn(catalog, model) ? catalog[model] : undefined;
}

/**
 * A catalog object with no prototype, so that assigning any name (even `__proto__`) makes an entry
 * and never changes the object itself. Catalogs still travel as plain JSON: lookups use modelSpec.
 */
function emptyCatalog(): Catalog {
  return Object.create(null) as Catalog;
}

export const DEFAULT_MODEL = 'veo-3-1-fast';

const RESOLUTION_ORDER = ['480p', '720p', '1080p', '4k'];
/** Price multiplier against 720p; an estimate, the invoice is the truth. */
const RESOLUTION_COST = new Map([
  ['480p', 0.75],
  ['720p', 1],
  ['1080p', 1.5],
  ['4k', 3],
]);

export const BUILTIN_CATALOG: Catalog = {
  'veo-3-1-fast': {
    id: 'veo-3-1-fast',
    vendor: 'google',
    max_duration_seconds: 4,
    resolutions: ['720p', '1080p'],
    aspect_ratios: ['16:9', '9:16'],
    credits_per_4s_720p: 80,
    quality: 3,
    auto_fallback: true,
  },
  'veo-3-1': {
    id: 'veo-3-1',
    vendor: 'google',
    max_duration_seconds: 8,
    resolutions: ['720p', '1080p', '4k'],
    aspect_ratios: ['16:9', '9:16'],
    credits_per_4s_720p: 180,
    quality: 5,
    auto_fallback: true,
  },
  // OpenAI announced the Sora API shutdown for 2026-09-24: listed because gateways still list it,
  // but never picked automatically.
  'sora-2': {
    id: 'sora-2',
    vendor: 'openai',
    max_duration_seconds: 20,
    resolutions: ['720p', '1080p'],
    aspect_ratios: ['16:9', '9:16', '1:1'],
    credits_per_4s_720p: 200,
    quality: 5,
    auto_fallback: false,
  },
  'wan-2-1': {
    id: 'wan-2-1',
    vendor: 'alibaba',
    max_duration_seconds: 6,
    resolutions: ['480p', '720p'],
    aspect_ratios: ['16:9', '9:16', '1:1'],
    credits_per_4s_720p: 40,
    quality: 2,
    auto_fallback: true,
  },
  'grok-video': {
    id: 'grok-video',
    vendor: 'xai',
    max_duration_seconds: 6,
    resolutions: ['720p'],
    aspect_ratios: ['16:9', '9:16', '1:1'],
    credits_per_4s_720p: null,
    quality: 3,
    auto_fallback: true,
  },
};

/** Why a model name is refused: it names every model the catalog knows, so the caller can pick one. */
export function unknownModel(model: string, catalog: Catalog, role = 'model'): string {
  return `unknown ${role} "${model}" (known: ${Object.keys(catalog).join(', ')})`;
}

/** Overlay a live catalog on the built-in one: live values win, built-in prices and flags fill gaps. */
export function mergeCatalog(live: Partial<ModelSpec>[], base: Catalog = BUILTIN_CATALOG): Catalog {
  const merged = Object.assign(emptyCatalog(), base);
  for (const entry of live) {
    if (!entry.id) continue;
    const known = modelSpec(base, entry.id);
    merged[entry.id] = {
      id: entry.id,
      vendor: entry.vendor ?? known?.vendor ?? 'unknown',
      max_duration_seconds: entry.max_duration_seconds ?? known?.max_duration_seconds ?? 4,
      resolutions: entry.resolutions?.length ? entry.resolutions : (known?.resolutions ?? ['720p']),
      aspect_ratios: entry.aspect_ratios?.length ? entry.aspect_ratios : (known?.aspect_ratios ?? ['16:9']),
      credits_per_4s_720p: entry.credits_per_4s_720p ?? known?.credits_per_4s_720p ?? null,
      quality: entry.quality ?? known?.quality ?? 3,
      auto_fallback: known?.auto_fallback ?? entry.auto_fallback ?? true,
    };
  }
  return merged;
}

/** Estimated credits for one job; null when the model has no published price. */
export function estimateCredits(
  spec: ModelSpec,
  params: { duration_seconds: number; resolution: string; n?: number },
): number | null {
  if (spec.credits_per_4s_720p === null) return null;
  const clips = Math.ceil(params.duration_seconds / 4);
  const multiplier = RESOLUTION_COST.get(params.resolution) ?? 1;
  return Math.round(spec.credits_per_4s_720p * clips * multiplier * (params.n ?? 1));
}

/**
 * A catalog with caller-given prices (credits per 4 s 720p clip) laid over it: for models the gateway
 * publishes no price for, so a budget can be held, or to override a stale one.
 */
export function withPrices(catalog: Catalog, prices: Record<string, number> | undefined): Catalog {
  if (!prices) return catalog;
  const priced = Object.assign(emptyCatalog(), catalog);
  for (const [model, credits] of Object.entries(prices)) {
    const spec = modelSpec(catalog, model);
    if (spec) priced[model] = { ...spec, credits_per_4s_720p: credits };
  }
  return priced;
}

export interface VideoParams {
  duration_seconds: number;
  resolution: string;
  aspect_ratio: string;
}

/** The request's params, with the defaults for what it leaves out (the model's shortest usual clip, 720p, 16:9). */
export function requestedParams(
  spec: ModelSpec,
  request: { duration_seconds?: number; resolution?: string; aspect_ratio?: string },
): VideoParams {
  return {
    duration_seconds: request.duration_seconds ?? Math.min(4, spec.max_duration_seconds),
    resolution: request.resolution ?? '720p',
    aspect_ratio: request.aspect_ratio ?? '16:9',
  };
}

/** Why a request does not fit a model, naming the allowed values; empty when it fits. */
export function capabilityProblems(spec: ModelSpec, params: VideoParams): string[] {
  const problems: string[] = [];
  if (params.duration_seconds > spec.max_duration_seconds) {
    problems.push(
      `duration_seconds ${params.duration_seconds} exceeds ${spec.id}'s maximum of ${spec.max_duration_seconds}`,
    );
  }
  if (!spec.resolutions.includes(params.resolution)) {
    problems.push(
      `resolution "${params.resolution}" is not offered by ${spec.id} (allowed: ${spec.resolutions.join(', ')})`,
    );
  }
  if (!spec.aspect_ratios.includes(params.aspect_ratio)) {
    problems.push(
      `aspect_ratio "${params.aspect_ratio}" is not offered by ${spec.id} (allowed: ${spec.aspect_ratios.join(', ')})`,
    );
  }
  return problems;
}

/**
 * Fit a request to a fallback model: clamp the duration, take the nearest resolution not above the
 * one asked for (else the lowest offered), and the first aspect ratio offered when the asked one is not.
 * Returns what changed so the attempt can record it.
 */
export function adaptParams(spec: ModelSpec, params: VideoParams): { params: VideoParams; adjustments: string[] } {
  const adjustments: string[] = [];
  let { duration_seconds, resolution, aspect_ratio } = params;
  if (duration_seconds > spec.max_duration_seconds) {
    adjustments.push(`duration_seconds ${duration_seconds} -> ${spec.max_duration_seconds}`);
    duration_seconds = spec.max_duration_seconds;
  }
  if (!spec.resolutions.includes(resolution)) {
    const rank = (r: string) => RESOLUTION_ORDER.indexOf(r);
    const offered = [...spec.resolutions].sort((a, b) => rank(a) - rank(b));
    const fitting = offered.filter((r) => rank(r) <= rank(resolution));
    const next = fitting.length ? fitting[fitting.length - 1] : offered[0];
    adjustments.push(`resolution ${resolution} -> ${next}`);
    resolution = next;
  }
  if (!spec.aspect_ratios.includes(aspect_ratio)) {
    adjustments.push(`aspect_ratio ${aspect_ratio} -> ${spec.aspect_ratios[0]}`);
    aspect_ratio = spec.aspect_ratios[0];
  }
  return { params: { duration_seconds, resolution, aspect_ratio }, adjustments };
}

/** What one attempt on `spec` would be asked for (the request fitted to the model) and cost. */
export function estimateAttempt(
  spec: ModelSpec,
  request: { duration_seconds?: number; resolution?: string; aspect_ratio?: string; n?: number },
): { params: VideoParams; adjustments: string[]; credits_estimated: number | null } {
  const { params, adjustments } = adaptParams(spec, requestedParams(spec, request));
  return { params, adjustments, credits_estimated: estimateCredits(spec, { ...params, n: request.n }) };
}

export type Preference = 'balanced' | 'cheapest' | 'smartest';

const price = (m: ModelSpec) => m.credits_per_4s_720p ?? Number.POSITIVE_INFINITY;
const RANKERS: Record<Preference, (a: ModelSpec, b: ModelSpec) => number> = {
  cheapest: (a, b) => price(a) - price(b) || b.quality - a.quality,
  smartest: (a, b) => b.quality - a.quality || price(a) - price(b),
  // Quality per credit; unpriced models go last.
  balanced: (a, b) => b.quality / price(b) - a.quality / price(a) || b.quality - a.quality,
};

/** Every model that may be chosen automatically, best first for the given preference. */
export function rankModels(catalog: Catalog, prefer: Preference): string[] {
  return Object.values(catalog)
    .filter((m) => m.auto_fallback)
    .sort(RANKERS[prefer])
    .map((m) => m.id);
}

/**
 * The models to try, in order, starting with `first`. An explicit list wins; otherwise `prefer`
 * ranks every model that may be chosen automatically; with neither there is no fallback.
 */
export function fallbackChain(
  catalog: Catalog,
  first: string,
  options: { fallback_models?: string[]; prefer?: Preference },
): string[] {
  const rest = options.fallback_models ?? (options.prefer ? rankModels(catalog, options.prefer) : []);
  return [...new Set([first, ...rest])];
}

/** The model to start with when the request names none. */
export function firstModel(catalog: Catalog, prefer: Preference | undefined): string {
  return (prefer && rankModels(catalog, prefer)[0]) || DEFAULT_MODEL;
}
