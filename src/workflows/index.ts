/** The workflow bundle's entry point: every workflow type the worker registers. */
export { GenerateVideo } from './generate-video';
export * from './messages';
