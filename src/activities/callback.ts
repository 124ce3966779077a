/**
 * Completion callbacks: the address rules for a callback URL (applied when the input is checked, and
 * again on the address connected to at delivery) and the signed POST itself (Standard Webhooks).
 */
import { Context } from '@temporalio/activity';
import { lookup } from 'node:dns/promises';
import { addressProblem, bareHost, callbackUrlProblem, isLoopbackHost } from '../addresses';
import { signWebhook } from '../operations/webhooks';
import { invalidInput } from './failures';
import { DEFAULT_DOWNLOAD_POLICY, safePost, UnsafeUrlError } from './safe-download';
import type { CallbackInput } from './types';

export interface CallbackDependencies {
  /** Signs completion callbacks (`VIDEO_CALLBACK_SECRET`); without it a callback_url is refused. */
  callbackSecret?: string;
  /**
   * Callback receivers on loopback (`VIDEO_CALLBACK_ALLOW_LOOPBACK`): for development only. A switch
   * of its own: mirroring from the simulator on loopback must not open the worker's loopback to callers.
   */
  callbacks?: { allowLoopback?: boolean };
}

const NO_SECRET = 'callback_url was given but the worker has no VIDEO_CALLBACK_SECRET to sign it with';

/** How long the input check waits for DNS; past it, delivery's own check decides. */
const LOOKUP_TIMEOUT_MS = 5_000;

/** The addresses a host name resolves to now, or none when DNS does not answer in time. */
async function resolved(host: string): Promise<string[]> {
  const timeout = new Promise<[]>((resolve) => setTimeout(() => resolve([]), LOOKUP_TIMEOUT_MS).unref());
  const answer = lookup(host, { all: true }).then(
    (addresses) => addresses.map((a) => a.address),
    () => [], // unknown today, maybe not at delivery: that check refuses what it must
  );
  return Promise.race([answer, timeout]);
}

/**
 * Why the worker will not deliver to this callback URL, or undefined: the URL rules, the worker's
 * secret and loopback switch, and the addresses its name resolves to now.
 */
export async function callbackProblem(url: string, deps: CallbackDependencies): Promise<string | undefined> {
  const problem = callbackUrlProblem(url);
  if (problem) return problem;
  if (!deps.callbackSecret) return NO_SECRET;
  const allowLoopback = !!deps.callbacks?.allowLoopback;
  const { hostname } = new URL(url);
  if (isLoopbackHost(hostname) && !allowLoopback) {
    return 'callback_url points to loopback, which this worker refuses (VIDEO_CALLBACK_ALLOW_LOOPBACK is for development)';
  }
  for (const address of await resolved(bareHost(hostname))) {
    const refused = addressProblem(address, { allowLoopback });
    if (refused) return `callback_url host ${hostname} resolves to a ${refused}`;
  }
  return undefined;
}

export function createCallbackActivities(deps: CallbackDependencies) {
  const policy = { ...DEFAULT_DOWNLOAD_POLICY, allowLoopback: !!deps.callbacks?.allowLoopback };
  return {
    /**
     * POST a signed completion callback (Standard Webhooks). The webhook id is the same on every
     * retry, so a receiver can drop duplicates; the gateway key never goes to the callback URL.
     */
    async deliverCallback(input: CallbackInput): Promise<{ status: number }> {
      if (!deps.callbackSecret) throw invalidInput(NO_SECRET);
      const body = JSON.stringify(input.event);
      const headers = { ...signWebhook(deps.callbackSecret, input.webhook_id, body) };
      try {
        const signal = Context.current().cancellationSignal;
        return { status: await safePost(input.url, policy, body, headers, signal) };
      } catch (error) {
        if (error instanceof UnsafeUrlError) throw invalidInput(error.message);
        throw error;
      }
    },
  };
}
