/**
 * The workflows entry of a worker that has workflows of its own beside ours (VideoPlugin with the
 * worker's `workflowsPath`): the service's module, which VideoPlugin's webpack alias names
 * `durable-video-service-workflows` (workflow-bundle.ts: SERVICE_WORKFLOWS_ALIAS), and ours. A
 * workflow name defined by both would make one of them unreachable, so it is refused when the bundle
 * loads (VideoPlugin also checks it before the worker starts, where it can load the service's module).
 * Plain CommonJS, shipped as it is: the bundler reads it from the sources and from the package alike.
 */
'use strict';
const video = require('./index');
const service = require('durable-video-service-workflows');

const clash = Object.keys(video).find((name) => Object.prototype.hasOwnProperty.call(service, name));
if (clash) throw new Error(`workflow export "${clash}" is defined by the worker and by durable-video`);

module.exports = { ...service, ...video };
