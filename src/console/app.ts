/**
 * The console's web application (Hono): security first (loopback names, headers, the token, same
 * origin for changes), then the sign-in form, the assets and the pages.
 */
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Catalog } from '../catalog';
import type { VideoClient } from '../client';
import type { VideoStore } from '../store/types';
import { CONSOLE_CSS, CONSOLE_JS } from './assets';
import { loopbackHostOnly, requireToken, safeNext, signIn, signOut } from './auth';
import type { ConsoleConfig } from './config';
import { addCampaignRoutes } from './routes-campaigns';
import { addVideoRoutes } from './routes-videos';
import { CampaignResults } from './results';
import { workflowLink } from './temporal';
import { layout, type Section } from './views/layout';
import type { Html } from './views/html';
import { signInPage } from './views/sign-in';

export interface ConsoleDependencies {
  videos: VideoClient;
  /** The workers' store (VIDEO_STORE): manifests go in, results, videos and thumbnails come out. */
  store: VideoStore;
  config: ConsoleConfig;
  /** Models and prices for checks and forms. */
  catalog: () => Promise<Catalog>;
}

/** What the route files share. */
export interface ConsoleContext extends ConsoleDependencies {
  results: CampaignResults;
  page(c: Context, title: string, body: Html, section?: Section, status?: 200 | 400 | 404 | 413 | 422): Response;
  /** A workflow's page in the Temporal UI. */
  link(workflowId: string): string;
  /** A fetch from the console's script wants a fragment; a plain form post, a whole page. */
  wantsFragment(c: Context): boolean;
}

/** The routes that take a manifest (capped by VIDEO_CONSOLE_MAX_UPLOAD_BYTES); every other form is small. */
const UPLOAD_PATHS = new Set(['/campaigns', '/campaigns/check']);
const FORM_BYTES = 256 * 1024;

const SECURITY_HEADERS = {
  // Scripts, styles and media from the console only (S3 videos arrive by redirect to https).
  'Content-Security-Policy':
    "default-src 'self'; img-src 'self' https: data:; media-src 'self' https:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

export function createConsoleApp(deps: ConsoleDependencies): Hono {
  const { config } = deps;
  const app = new Hono();
  const namespace = deps.videos.client.options.namespace;
  const context: ConsoleContext = {
    ...deps,
    results: new CampaignResults(deps.store),
    page: (c, title, body, section, status = 200) => c.html(layout(title, body, { section }), status),
    link: (workflowId) => workflowLink(config.temporalUiUrl, namespace, workflowId),
    wantsFragment: (c) => c.req.header('x-console-fragment') === '1',
  };

  app.use(loopbackHostOnly(config.host));
  app.use(async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(name, value);
  });

  // Open to everyone: the sign-in form and what it looks like.
  app.get('/assets/console.css', (c) => c.body(CONSOLE_CSS, 200, { 'content-type': 'text/css; charset=utf-8' }));
  app.get('/assets/console.js', (c) => c.body(CONSOLE_JS, 200, { 'content-type': 'text/javascript; charset=utf-8' }));
  app.get('/sign-in', (c) => c.html(signInPage({ next: safeNext(c.req.query('next')) })));
  app.post('/sign-in', bodyLimit({ maxSize: 16 * 1024, onError: (c) => c.text('413 too large', 413) }), async (c) => {
    const form = await c.req.parseBody();
    const next = safeNext(form.next);
    if (signIn(c, config.token, String(form.token ?? ''))) return c.redirect(next, 303);
    return c.html(signInPage({ next, error: config.token ? 'That token is not right.' : 'No token is set.' }), 401);
  });

  app.use(requireToken(config.token));
  // Forms other than the manifest upload are small: a large body there is refused before it is read.
  const smallBody = bodyLimit({ maxSize: FORM_BYTES, onError: (c) => c.text('413 the form is too large', 413) });
  app.use(async (c, next) => (c.req.method === 'POST' && !UPLOAD_PATHS.has(c.req.path) ? smallBody(c, next) : next()));
  app.post('/sign-out', (c) => {
    signOut(c);
    return c.redirect('/sign-in', 303);
  });
  addCampaignRoutes(app, context);
  addVideoRoutes(app, context);
  app.notFound((c) => c.text('404 not found', 404));
  app.onError((error, c) => {
    // The message only: a stack or an environment dump has no place on a page.
    console.error(`console: ${c.req.method} ${new URL(c.req.url).pathname}: ${error.message}`);
    return c.text(`500 ${error.message}`, 500);
  });
  return app;
}
