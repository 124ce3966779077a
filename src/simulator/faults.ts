/**
 * Faults a test asks the simulator for. Each matches a route (and optionally a model) and is used up
 * after `times` matches.
 */
export type SimRoute =
  | 'submit'
  | 'status'
  | 'cancel'
  | 'get'
  | 'list'
  | 'delete'
  | 'delete_all'
  | 'download_url'
  | 'set_retention'
  | 'models'
  | 'capabilities'
  | 'files'
  | 'video'
  | 'thumbnail';

export interface SimFault {
  route: SimRoute | '*';
  /** Only requests about this model (submit: the requested model; job routes: the job's model). */
  model?: string;
  /** How many matching requests it applies to; default 1. */
  times?: number;
  /** Answer with this HTTP status and body instead of the real answer. */
  status?: number;
  body?: unknown;
  /** Retry-After header, in seconds. */
  retryAfter?: number;
  /** Wait this long before answering (the real answer, unless status/malformed/reset say otherwise). */
  delayMs?: number;
  /** Answer 200 with a body that is not JSON. */
  malformed?: boolean;
  /** Close the connection without an answer. */
  reset?: boolean;
  /** video route: answer with a redirect to this URL. */
  redirectTo?: string;
  /** video route: send this many bytes of the video and then cut the connection. */
  truncateAt?: number;
  /** video route: flip bytes in the body, so it no longer matches the digest the server announces. */
  corrupt?: boolean;
  /** video route: send the body no faster than this. */
  bytesPerSecond?: number;
  /** video route: claim this Content-Type. */
  contentType?: string;
  /** submit route: the job is created but will end `failed` with this error. */
  failJob?: string;
  /** submit route: the job's own mirror fails (infery `mirror_status: "failed"`). */
  mirrorFailed?: boolean;
  /** submit route: the job delivers only this many of the `n` videos asked for. */
  deliver?: number;
  /**
   * With `status`: do the real work first (a submit creates its job), then answer with the fault's
   * status, as a gateway that fails after committing does.
   */
  afterWork?: boolean;
  /** status routes: report the job's state with this word instead of the real one. */
  statusWord?: string;
}

export const SAFETY_REFUSAL: Pick<SimFault, 'status' | 'body'> = {
  status: 400,
  body: {
    error: { code: 'content_policy_violation', message: 'The prompt was refused by the provider safety system.' },
  },
};

export class FaultBook {
  private readonly faults: (SimFault & { left: number })[] = [];

  add(fault: SimFault): void {
    this.faults.push({ ...fault, left: fault.times ?? 1 });
  }

  clear(): void {
    this.faults.length = 0;
  }

  /** The first fault that matches, used up by one. */
  take(route: SimRoute, model?: string): SimFault | undefined {
    const index = this.faults.findIndex(
      (f) => f.left > 0 && (f.route === '*' || f.route === route) && (!f.model || f.model === model),
    );
    if (index < 0) return undefined;
    const fault = this.faults[index];
    fault.left -= 1;
    if (fault.left <= 0) this.faults.splice(index, 1);
    return fault;
  }
}
