/** The frame of every page: the top bar, the navigation, the stylesheet and the script. */
import { h, type Html } from './html';

export type Section = 'campaigns' | 'new-campaign' | 'video' | 'none';

export function layout(title: string, body: Html, options: { section?: Section; signedIn?: boolean } = {}): string {
  const section = options.section ?? 'none';
  const link = (href: string, text: string, name: Section) =>
    h`<a href="${href}"${section === name ? h` aria-current="page"` : ''}>${text}</a>`;
  return h`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title} · durable-video console</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/assets/console.css">
<script src="/assets/console.js" defer></script></head>
<body>
<header class="top"><a class="brand" href="/">durable-video <span>console</span></a>
${
  options.signedIn === false
    ? ''
    : h`<nav aria-label="main">${link('/', 'Campaigns', 'campaigns')}${link('/campaigns/new', 'New campaign', 'new-campaign')}${link('/videos/new', 'Single video', 'video')}</nav>
<form method="post" action="/sign-out" class="sign-out"><button type="submit">Sign out</button></form>`
}
</header>
<main class="page">${body}</main>
</body></html>`.text;
}
