/**
 * The `infery` dialect (seeds 000-002): /v1/videos/generations, /v1/models, /v1/files.
 * It has no cancel endpoint (so no `cancel` method): a job we abandon runs to its end upstream, and
 * the workflow records that.
 */
import { openAsBlob } from 'node:fs';
import { basename } from 'node:path';
import type { ModelSpec } from '../catalog';
import { GatewayHttp, type GatewayHttpOptions } from './http';
import { InferyFile, InferyModelsResponse, JobResponse } from './schemas';
import type {
  CallOptions,
  GatewayCapabilities,
  GatewayJob,
  SubmitRequest,
  UpstreamCopyRequest,
  UpstreamCopyResult,
  VideoGateway,
} from './types';

/** POST /v1/videos/generations, one to one. */
export interface InferyCreateGenerationBody {
  model: string;
  prompt: string;
  /** The guide's spelling (seed 000). */
  duration_seconds?: number;
  /** The reference's spelling (seed 001). */
  duration?: number;
  resolution?: string;
  aspect_ratio?: string;
  n?: number;
  image_url?: string;
  image_base64?: string;
  person_generation?: 'dont_allow' | 'allow_adult' | 'allow_all';
}

export interface InferyFileObject {
  id: string;
  bytes?: number;
  purpose?: string;
  filename?: string;
}

export class InferyGateway implements VideoGateway {
  readonly dialect = 'infery' as const;
  readonly supports: GatewayCapabilities = { multipleVideos: true, inlineImages: true };
  private readonly http: GatewayHttp;

  constructor(options: GatewayHttpOptions) {
    this.http = new GatewayHttp(options);
  }

  createGeneration(
    body: InferyCreateGenerationBody,
    options: CallOptions & { idempotencyKey?: string } = {},
  ): Promise<GatewayJob> {
    return this.http.request('create generation', 'POST', '/v1/videos/generations', JobResponse, {
      body,
      signal: options.signal,
      headers: options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : undefined,
    });
  }

  submit(request: SubmitRequest, options: CallOptions & { idempotencyKey: string }): Promise<GatewayJob> {
    const { prefer: _prefer, ...body } = request; // infery picks no model for you
    // The guide says duration_seconds, the reference duration: send both, so either reading of the
    // API makes the length that was asked (and paid) for.
    return this.createGeneration({ ...body, duration: body.duration_seconds }, options);
  }

  getJob(jobId: string, options: CallOptions = {}): Promise<GatewayJob> {
    return this.http.request(
      'get generation',
      'GET',
      `/v1/videos/generations/${encodeURIComponent(jobId)}`,
      JobResponse,
      {
        signal: options.signal,
      },
    );
  }

  listModels(options: CallOptions = {}): Promise<Partial<ModelSpec>[]> {
    return this.http.request('list models', 'GET', '/v1/models', InferyModelsResponse, {
      query: { modality: 'video' },
      signal: options.signal,
    });
  }

  /** Pins our stored copy in the gateway workspace; only a copy on local disk can be uploaded. */
  async keepCopy(request: UpstreamCopyRequest, options: CallOptions = {}): Promise<UpstreamCopyResult> {
    if (!request.local_path) return { error: 'pinning uploads from a folder store only' };
    const file = await this.uploadFile(request.local_path, {
      contentType: request.content_type,
      signal: options.signal,
    });
    return { file_id: file.id };
  }

  /** POST /v1/files (purpose user_data): pins a copy in the workspace; streams from disk. */
  async uploadFile(
    path: string,
    options: CallOptions & { purpose?: string; contentType?: string } = {},
  ): Promise<InferyFileObject> {
    const form = new FormData();
    form.set('purpose', options.purpose ?? 'user_data');
    form.set('file', await openAsBlob(path, { type: options.contentType ?? 'video/mp4' }), basename(path));
    return this.http.request('upload file', 'POST', '/v1/files', InferyFile, { form, signal: options.signal });
  }
}
