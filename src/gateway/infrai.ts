/**
 * The `infrai` dialect (seeds 003-004): /v1/video/{generate,status,cancel,get,list,delete,delete_all,
 * download_url,set_retention,capabilities}.
 */
import type { ModelSpec } from '../catalog';
import { invalidRequest } from './errors';
import { GatewayHttp, type GatewayHttpOptions } from './http';
import {
  CancelResponse,
  InfraiCapabilitiesResponse,
  InfraiDeleteAll,
  InfraiDownloadUrl,
  InfraiJobPage,
  InfraiRetention,
  JobResponse,
  OkResponse,
} from './schemas';
import type {
  CallOptions,
  GatewayCapabilities,
  GatewayJob,
  SubmitRequest,
  UpstreamCopyRequest,
  UpstreamCopyResult,
  VideoGateway,
} from './types';

/** POST /v1/video/generate, one to one. */
export interface InfraiGenerateBody {
  prompt: string;
  reference_image_url?: string;
  duration_seconds?: number;
  /** The parameter table's spelling (seed 004). */
  aspect?: '16:9' | '9:16' | '1:1' | string;
  /** The spelling seed 004's own curl example sends. */
  aspect_ratio?: string;
  resolution?: '720p' | '1080p' | '4k' | string;
  prefer?: 'balanced' | 'cheapest' | 'smartest';
  model?: string;
  vendor?: string;
  idempotency_key?: string;
}

export const MAX_RETENTION_DAYS = 90;

export class InfraiGateway implements VideoGateway {
  readonly dialect = 'infrai' as const;
  /** infrai has no `n` and takes reference images by URL only. */
  readonly supports: GatewayCapabilities = { multipleVideos: false, inlineImages: false };
  private readonly http: GatewayHttp;

  constructor(options: GatewayHttpOptions) {
    this.http = new GatewayHttp(options);
  }

  generate(body: InfraiGenerateBody, options: CallOptions = {}): Promise<GatewayJob> {
    return this.http.request('generate', 'POST', '/v1/video/generate', JobResponse, { body, signal: options.signal });
  }

  submit(request: SubmitRequest, options: CallOptions & { idempotencyKey: string }): Promise<GatewayJob> {
    if ((request.n ?? 1) > 1) {
      throw invalidRequest('the infrai gateway makes one video per job: n must be 1');
    }
    if (request.image_base64) {
      throw invalidRequest(
        'the infrai gateway takes a reference image by URL only: send image_url instead of image_base64',
      );
    }
    return this.generate(
      {
        prompt: request.prompt,
        model: request.model,
        duration_seconds: request.duration_seconds,
        // The table says aspect, the curl example aspect_ratio: send both, so either reading gets the shape.
        aspect: request.aspect_ratio,
        aspect_ratio: request.aspect_ratio,
        resolution: request.resolution,
        reference_image_url: request.image_url,
        prefer: request.prefer,
        idempotency_key: options.idempotencyKey,
      },
      options,
    );
  }

  getJob(jobId: string, options: CallOptions = {}): Promise<GatewayJob> {
    return this.http.request('status', 'GET', `/v1/video/status/${encodeURIComponent(jobId)}`, JobResponse, {
      signal: options.signal,
    });
  }

  /** Full details (duration, resolution, vendor, model) rather than the poll view. */
  get(jobId: string, options: CallOptions = {}): Promise<GatewayJob> {
    return this.http.request('get', 'GET', `/v1/video/get/${encodeURIComponent(jobId)}`, JobResponse, {
      signal: options.signal,
    });
  }

  async cancel(jobId: string, options: CallOptions = {}): Promise<boolean> {
    const answer = await this.http.request(
      'cancel',
      'POST',
      `/v1/video/cancel/${encodeURIComponent(jobId)}`,
      CancelResponse,
      {
        body: { job_id: jobId },
        signal: options.signal,
      },
    );
    return answer.ok ?? answer.cancelled ?? true;
  }

  /** Every job on the account, following next_cursor page by page. */
  async *list(options: CallOptions & { limit?: number; cursor?: string } = {}): AsyncGenerator<GatewayJob> {
    let cursor = options.cursor;
    do {
      const page = await this.http.request('list', 'GET', '/v1/video/list', InfraiJobPage, {
        query: { cursor, limit: options.limit },
        signal: options.signal,
      });
      yield* page.items;
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
  }

  async delete(jobId: string, options: CallOptions & { idempotencyKey?: string } = {}): Promise<boolean> {
    const answer = await this.http.request(
      'delete',
      'DELETE',
      `/v1/video/delete/${encodeURIComponent(jobId)}`,
      OkResponse,
      {
        query: { idempotency_key: options.idempotencyKey },
        signal: options.signal,
      },
    );
    return answer.ok;
  }

  async deleteAll(options: CallOptions = {}): Promise<number> {
    const answer = await this.http.request('delete all', 'POST', '/v1/video/delete_all', InfraiDeleteAll, {
      body: {},
      signal: options.signal,
    });
    return answer.deleted;
  }

  downloadUrl(jobId: string, options: CallOptions = {}): Promise<{ url: string; expires_at?: string }> {
    return this.http.request(
      'download url',
      'GET',
      `/v1/video/download_url/${encodeURIComponent(jobId)}`,
      InfraiDownloadUrl,
      {
        signal: options.signal,
      },
    );
  }

  async freshDownloadUrl(jobId: string, options: CallOptions = {}): Promise<string> {
    return (await this.downloadUrl(jobId, options)).url;
  }

  /** Keeps the job (and its video) on the gateway for the days asked. */
  async keepCopy(request: UpstreamCopyRequest, options: CallOptions = {}): Promise<UpstreamCopyResult> {
    if (!request.retention_days) return { error: 'no retention period configured' };
    const kept = await this.setRetention(request.job_id, request.retention_days, {
      idempotencyKey: request.idempotency_key,
      signal: options.signal,
    });
    return { retention_days: kept.retention_days, expires_at: kept.expires_at };
  }

  /** Keep the gateway's copy for 1-90 days; out-of-range values are refused before any call. */
  setRetention(
    jobId: string,
    days: number,
    options: CallOptions & { idempotencyKey?: string } = {},
  ): Promise<{ job_id: string; retention_days: number; expires_at?: string }> {
    if (!Number.isInteger(days) || days < 1 || days > MAX_RETENTION_DAYS) {
      return Promise.reject(
        invalidRequest(`retention days must be a whole number from 1 to ${MAX_RETENTION_DAYS}, got ${days}`),
      );
    }
    return this.http.request(
      'set retention',
      'POST',
      `/v1/video/set_retention/${encodeURIComponent(jobId)}`,
      InfraiRetention,
      {
        body: { job_id: jobId, days, idempotency_key: options.idempotencyKey },
        signal: options.signal,
      },
    );
  }

  capabilities(options: CallOptions = {}): Promise<Partial<ModelSpec>[]> {
    return this.http.request('capabilities', 'GET', '/v1/video/capabilities', InfraiCapabilitiesResponse, {
      signal: options.signal,
    });
  }

  listModels(options: CallOptions = {}): Promise<Partial<ModelSpec>[]> {
    return this.capabilities(options);
  }
}
