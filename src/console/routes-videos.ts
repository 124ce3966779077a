/** One GenerateVideo from the console: the form, its live page, Cancel, Fall back and the video itself. */
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { Hono } from 'hono';
import type { GenerateVideoInput } from '../client';
import type { ConsoleContext } from './app';
import { serveStored } from './media';
import { videoState } from './temporal';
import { h } from './views/html';
import { videoForm, videoPage } from './views/video';

const text = (value: unknown) => (typeof value === 'string' ? value.trim() : '');

export function addVideoRoutes(app: Hono, ctx: ConsoleContext): void {
  const { videos, store } = ctx;
  const vid = (id: string) => `/videos/${encodeURIComponent(id)}`;
  const models = async () => Object.keys(await ctx.catalog()).sort();

  app.get('/videos/new', async (c) => ctx.page(c, 'Single video', videoForm(await models()), 'video'));

  app.post('/videos', async (c) => {
    const form = await c.req.parseBody();
    let extra: Record<string, unknown> = {};
    try {
      extra = text(form.extra_json) ? JSON.parse(text(form.extra_json)) : {};
    } catch {
      return ctx.page(c, 'Single video', videoForm(await models(), 'Other fields: not JSON'), 'video', 422);
    }
    const input = {
      ...extra,
      prompt: text(form.prompt),
      ...(text(form.model) && { model: text(form.model) }),
      ...(text(form.image_url) && { image_url: text(form.image_url) }),
    } as GenerateVideoInput;
    let id: string;
    try {
      id = (await videos.start(input)).workflowId; // checked first: bad input starts nothing
    } catch (error) {
      return ctx.page(c, 'Single video', videoForm(await models(), (error as Error).message), 'video', 422);
    }
    console.log(`console: started video ${id}`);
    return c.redirect(vid(id), 303);
  });

  app.get('/videos/:id', async (c) => {
    const id = c.req.param('id');
    const state = await videoState(videos, id);
    if (!state.found) return ctx.page(c, 'Not found', h`<h1>No video "${id}"</h1>`, 'video', 404);
    return ctx.page(c, 'Video', videoPage(id, state, ctx.link(id), await models()), 'video');
  });

  app.get('/videos/:id/progress.json', async (c) => {
    const { result, ...state } = await videoState(videos, c.req.param('id'));
    return c.json({ ...state, succeeded: !!result }, state.found ? 200 : 404);
  });

  app.get('/videos/:id/video', async (c) => {
    const { result } = await videoState(videos, c.req.param('id'));
    return serveStored(c, store, result?.video.uri, result?.video.bytes);
  });

  app.post('/videos/:id/cancel', async (c) => {
    const id = c.req.param('id');
    try {
      await videos.job(id).cancel('cancelled from the console');
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return c.text('The video is not running.', 409);
      throw error;
    }
    console.log(`console: cancel video ${id}`);
    return ctx.wantsFragment(c) ? c.text('Cancelling: the upstream job is cancelled too.') : c.redirect(vid(id), 303);
  });

  app.post('/videos/:id/fallback', async (c) => {
    const id = c.req.param('id');
    const form = await c.req.parseBody();
    const model = text(form.model) || undefined;
    try {
      const accepted = await videos.job(id).requestFallback({ model, reason: 'fallback from the console' });
      console.log(`console: fallback video ${id} to ${accepted.model}`);
      return ctx.wantsFragment(c) ? c.text(`Falling back to ${accepted.model}.`) : c.redirect(vid(id), 303);
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError) return c.text(`Refused: ${error.cause?.message}`, 409);
      if (error instanceof WorkflowNotFoundError) return c.text('The video is not running.', 409);
      throw error;
    }
  });
}
