/**
 * Worker defaults for fleets. In poll_mode "activity" every job in flight holds an activity slot for
 * as long as it runs upstream: its watch sleeps between status checks and costs a timer and a few
 * objects, not a thread. The SDK's default of 100 activity slots would quietly queue the 101st watch
 * (its polls come late, and the video is polled 3-5 times instead of 12), so the worker takes many
 * more. Mirrors, which hold buffers, have a limit of their own (VIDEO_WORKER_MAX_MIRRORS, 16 by
 * default: activities/limiter.ts); submits and checks are bounded at the gateway by VIDEO_API_MAX_RPS. A watch that still has to wait for a slot says so
 * (watch.ts: a warning and the video_watch_late_starts counter).
 */

/** Activity slots a worker offers unless VIDEO_WORKER_MAX_ACTIVITIES says otherwise. */
export const DEFAULT_ACTIVITY_SLOTS = 10_000;
