/**
 * The credit budget: the one place that decides whether credits may be committed. A campaign
 * reserves each row's worst case before the row starts and releases it when the row ends, counting
 * what the row really spent; a GenerateVideo (a campaign's child, or any video with `max_credits`)
 * asks it before each submit. Pure and free of zod, so workflows share it and it is unit tested
 * without a server.
 *
 * Prices come from the catalog (the live one when reachable) with the campaign's own `prices` laid
 * over it, never from a row: a row could otherwise price a model at 0 and pass any budget.
 */
import { type Catalog, estimateAttempt, fallbackChain, firstModel, modelSpec, withPrices } from '../catalog';
import type { GenerateVideoInput, GenerateVideoRequest } from '../request';

/** What a row could cost at most, and the models that make that unknowable. */
export interface WorstCase {
  credits: number;
  /** Models in the chain without a price: with a budget, the row cannot be held to it. */
  unpriced: string[];
  /** Models in the chain the catalog does not know. */
  unknown: string[];
}

/** The request fields the worst case depends on (a parsed GenerateVideo request has them all). */
export type CostedRequest = Partial<
  Pick<
    GenerateVideoRequest,
    'model' | 'prefer' | 'fallback_models' | 'duration_seconds' | 'resolution' | 'aspect_ratio' | 'n'
  >
>;

/**
 * The fields the worst case reads, from a request already validated (a campaign's stored row),
 * without loading zod into the workflow: one spelling per field, as the schema would normalise it.
 */
export function costedRequest(input: GenerateVideoInput): CostedRequest {
  // Trimmed as the schema trims them: the child costs " 4k" as 4k, so the reservation must too.
  const trimmed = (text: string | undefined) => text?.trim();
  return {
    model: trimmed(input.model),
    prefer: input.prefer,
    fallback_models: input.fallback_models?.map((model) => model.trim()),
    duration_seconds: input.duration_seconds ?? input.duration,
    resolution: trimmed(input.resolution),
    aspect_ratio: trimmed(input.aspect_ratio ?? input.aspect),
    n: input.n,
  };
}

export class Budget {
  /** Credits reserved by running rows, by the row's position in the manifest. */
  private readonly reservations = new Map<number, number>();

  /** `max` undefined: no budget, everything fits; `spent`: credits already committed. */
  constructor(
    readonly max: number | undefined,
    private spentCredits = 0,
  ) {}

  get limited(): boolean {
    return this.max !== undefined;
  }

  get spent(): number {
    return this.spentCredits;
  }

  get reserved(): number {
    let sum = 0;
    for (const credits of this.reservations.values()) sum += credits;
    return sum;
  }

  /** Whether `credits` more can be reserved now without passing the budget. */
  fits(credits: number): boolean {
    return this.max === undefined || this.spentCredits + this.reserved + credits <= this.max;
  }

  /** Hold `credits` for row `key` until it ends. */
  reserve(key: number, credits: number): void {
    this.reservations.set(key, credits);
  }

  /** Row `key` ended: its reservation is freed and what it spent is counted instead. */
  release(key: number, spent: number): void {
    this.reservations.delete(key);
    this.spentCredits += spent;
  }

  /** What was spent, as recounted from the results recorded (a new execution of a campaign). */
  recount(spent: number): void {
    this.spentCredits = spent;
  }

  /**
   * The `max_credits` a row's video is started with: its reservation, or its own cap when lower. The
   * video refuses any submit that would pass it (`submitProblem`), so no chain of fallbacks can
   * spend more than was reserved.
   */
  capFor(reserved: number, ownMax: number | undefined): number | undefined {
    if (!this.limited) return ownMax;
    return Math.min(ownMax ?? Infinity, reserved);
  }

  /** Why submitting `model` at `cost` could pass the budget (given what is spent), or undefined. */
  submitProblem(model: string, cost: number | null): string | undefined {
    const max = this.max;
    if (max === undefined) return undefined;
    if (cost === null) return `${model} has no published price, so max_credits ${max} cannot be held`;
    const spent = this.spentCredits;
    if (spent + cost > max) {
      return `${model} is estimated at ${cost} credits; with ${spent} already spent that passes max_credits ${max}`;
    }
    return undefined;
  }

  /** The prices a budget holds to: the catalog with the campaign's own prices over it. */
  static priced(catalog: Catalog, campaignPrices: Record<string, number> | undefined): Catalog {
    return withPrices(catalog, campaignPrices);
  }

  /**
   * The most one row can cost: every model its chain could submit, each fitted to the request as a
   * fallback would be, times `n`, added up. Added, not the dearest alone, because a job that failed
   * after it was accepted counts as spent and the chain then goes on. The row's own `prices` are not
   * read: pass the catalog from `Budget.priced`.
   */
  static worstCase(catalog: Catalog, request: CostedRequest): WorstCase {
    const first = request.model ?? firstModel(catalog, request.prefer);
    const result: WorstCase = { credits: 0, unpriced: [], unknown: [] };
    for (const model of fallbackChain(catalog, first, request)) {
      const spec = modelSpec(catalog, model);
      if (!spec) {
        result.unknown.push(model);
        continue;
      }
      const cost = estimateAttempt(spec, request).credits_estimated;
      if (cost === null) result.unpriced.push(model);
      else result.credits += cost;
    }
    return result;
  }
}
