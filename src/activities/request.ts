/** The input check of a GenerateVideo: zod runs here, outside the workflow sandbox (workflows/lazy.ts). */
import { parseGenerateVideoInput, type GenerateVideoRequest } from '../request';
import { callbackProblem, type CallbackDependencies } from './callback';
import { invalidInput } from './failures';

export function createRequestActivities(deps: CallbackDependencies) {
  return {
    /**
     * A GenerateVideo input, normalised, or InvalidInput. Everything this worker would refuse later
     * is refused here, before any money is spent: a callback it could not deliver is one.
     */
    async checkRequest(input: unknown): Promise<GenerateVideoRequest> {
      const request = parseGenerateVideoInput(input);
      const problem = request.callback_url && (await callbackProblem(request.callback_url, deps));
      if (problem) throw invalidInput(problem);
      return request;
    },
  };
}
