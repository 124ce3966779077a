/** The workflow bundle's entry point: every workflow type the worker registers. */
export { GenerateVideo } from './generate-video';
export { VideoCampaign } from './video-campaign';
export { RemirrorFinishedJob } from './video-campaign-remirror';
export * from './messages';
export * from './campaign-messages';
