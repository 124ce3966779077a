/**
 * The workflows entry of a worker that has workflows of its own beside ours (VideoPlugin with the
 * worker's `workflowsPath`): the service's module, which VideoPlugin's webpack alias names
 * `durable-video-service-workflows`, and ours. A workflow name defined by both would make one of them
 * unreachable, so it is refused when the bundle is loaded (VideoPlugin also checks it before the
 * worker starts, where it can load the service's module).
 */
import * as video from './index';

// The name is workflow-bundle.ts's SERVICE_WORKFLOWS_ALIAS (not imported: that module is not workflow code).
// eslint-disable-next-line @typescript-eslint/no-require-imports -- resolved by the bundler's alias
const service = require('durable-video-service-workflows') as Record<string, unknown>;
const clash = Object.keys(video).find((name) => Object.prototype.hasOwnProperty.call(service, name));
if (clash) throw new Error(`workflow export "${clash}" is defined by the worker and by durable-video`);

module.exports = { ...service, ...video };
