/** A terminal progress bar over a job's progress snapshots (cli-progress; plain lines when not a TTY). */
import { SingleBar, Presets } from 'cli-progress';
import type { VideoJob, VideoProgress } from '../client';

/** A bar on `out` in our style: plain lines every 5 s when `out` is not a terminal (CI, logs). */
export function progressBar(format: string, out: NodeJS.WriteStream): SingleBar {
  return new SingleBar(
    { format, stream: out, noTTYOutput: true, notTTYSchedule: 5000, hideCursor: true },
    Presets.shades_classic,
  );
}

export async function showProgress(
  job: VideoJob,
  out: NodeJS.WriteStream = process.stderr,
): Promise<VideoProgress | undefined> {
  const bar = progressBar(' {bar} {percentage}% | {status} | {model} | job {job_id} | {elapsed}s', out);
  let last: VideoProgress | undefined;
  bar.start(100, 0, { status: 'starting', model: '-', job_id: '-', elapsed: 0 });
  try {
    for await (const snapshot of job.watch({ intervalMs: 500 })) {
      last = snapshot;
      bar.update(snapshot.progress, {
        status: snapshot.status,
        model: snapshot.model,
        job_id: snapshot.job_id ?? '-',
        elapsed: Math.round(snapshot.elapsed_ms / 1000),
      });
    }
  } finally {
    bar.stop();
  }
  return last;
}
