/**
 * Signed media, as a gateway's storage serves it: the committed sample video and thumbnail behind
 * HMAC-signed, expiring URLs, with Content-Length and an RFC 9530 digest, and the download faults
 * (redirects, truncation, corruption, throttling, a wrong Content-Type) tests ask for.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HttpProblem, type RequestContext } from './http';
import type { SimJob } from './jobs';

export const SAMPLE_VIDEO = join(__dirname, 'fixtures', 'sample.mp4');
export const SAMPLE_THUMBNAIL = join(__dirname, 'fixtures', 'thumbnail.jpg');

export interface FileOptions {
  /** The simulator's own address, for absolute URLs. */
  baseUrl(): string;
  /** Lifetime of the signed URLs in job answers (the gateway's own URLs expire). */
  urlTtlMs(): number;
  /** Serve this file as every video (default: the committed 4 s sample). */
  videoPath(): string | undefined;
  /** Look a job up by id. */
  job(id: string): SimJob | undefined;
}

export class SignedFiles {
  private readonly signingKey = randomBytes(32);
  private readonly digests = new Map<string, Promise<string>>();

  constructor(private readonly options: FileOptions) {}

  /** A signed URL for one of a job's files; `index` numbers the videos of an `n > 1` job from 1. */
  signedUrl(job: SimJob, kind: 'video' | 'thumbnail', ttlMs = this.options.urlTtlMs(), index = 1): string {
    const expires = Date.now() + ttlMs;
    const name = kind === 'video' ? (index > 1 ? `video-${index}` : 'video') : 'thumbnail';
    const file = kind === 'video' ? `${name}.mp4` : 'thumbnail.jpg';
    return `${this.options.baseUrl()}/files/${job.id}/${file}?expires=${expires}&sig=${this.sign(job.id, name, expires)}`;
  }

  private sign(jobId: string, kind: string, expires: number): string {
    return createHmac('sha256', this.signingKey).update(`${jobId}/${kind}/${expires}`).digest('base64url');
  }

  /** GET /files/{job}/{name}: the file, if the signature and expiry check out. */
  async serve(ctx: RequestContext, kind: 'video' | 'thumbnail'): Promise<void> {
    const job = this.options.job(ctx.params[0]);
    const expires = Number(ctx.url.searchParams.get('expires'));
    const sig = ctx.url.searchParams.get('sig') ?? '';
    const name = kind === 'video' ? ctx.params[1] : 'thumbnail';
    if (!job || job.deleted || sig !== this.sign(ctx.params[0], name, expires)) {
      throw new HttpProblem(403, { error: { code: 'signature_invalid', message: 'bad signature' } });
    }
    ctx.call.job_id = job.id;
    if (Date.now() > expires)
      throw new HttpProblem(403, { error: { code: 'url_expired', message: 'the signed URL has expired' } });
    const fault = ctx.fault;
    if (fault?.redirectTo) {
      ctx.call.status = 302;
      ctx.res.writeHead(302, { location: fault.redirectTo }).end();
      return;
    }
    const path = kind === 'video' ? (this.options.videoPath() ?? SAMPLE_VIDEO) : SAMPLE_THUMBNAIL;
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
    const call = ctx.call;
    call.sent_bytes = 0;
    const corrupt = new Transform({
      transform(chunk: Buffer, _enc, done) {
        if (fault?.corrupt) chunk = Buffer.from(chunk.map((b) => b ^ 0xff));
        const send = () => {
          call.sent_bytes! += chunk.length;
          done(null, chunk);
        };
        if (rate) setTimeout(send, (chunk.length / rate) * 1000);
        else send();
      },
    });
    try {
      await pipeline(stream, corrupt, ctx.res, { end: truncateAt === undefined });
    } catch {
      call.body_end = 'client_gone';
      return;
    }
    call.body_end = 'complete';
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
