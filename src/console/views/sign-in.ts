/** The sign-in page: the token once, then a cookie. */
import { h } from './html';
import { layout } from './layout';

export function signInPage(options: { next: string; error?: string }): string {
  return layout(
    'Sign in',
    h`<section class="card narrow">
<h1>Sign in</h1>
<p class="muted">This console starts paid video jobs. Enter the console token (<code>VIDEO_CONSOLE_TOKEN</code>).</p>
${options.error ? h`<p class="error" role="alert">${options.error}</p>` : ''}
<form method="post" action="/sign-in" class="stack">
<input type="hidden" name="next" value="${options.next}">
<label>Token <input type="password" name="token" autocomplete="current-password" required autofocus></label>
<button type="submit" class="primary">Sign in</button>
</form></section>`,
    { signedIn: false },
  );
}
