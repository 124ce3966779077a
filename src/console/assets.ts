/**
 * The page's stylesheet and script, served from memory: no build step, nothing fetched from
 * elsewhere (browsers of the people using it may have no internet either). The script is plain
 * JavaScript for current browsers; the pages work without it, only less live.
 */

export const CONSOLE_CSS = `
:root{--bg:#f5f6f8;--card:#fff;--ink:#1d2330;--muted:#667085;--line:#e3e6ec;--accent:#3b5bdb;--accent-ink:#fff;
--ok:#2e9d5b;--bad:#d64545;--warn:#e0a030;--radius:10px}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
a{color:var(--accent)}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:13px}
.top{display:flex;align-items:center;gap:24px;padding:12px 32px;background:#141a2a;color:#fff}
.top .brand{color:#fff;text-decoration:none;font-weight:650;letter-spacing:.2px}.top .brand span{color:#9fb0ff;font-weight:500}
.top nav{display:flex;gap:4px;flex:1}.top nav a{color:#c9d1e6;text-decoration:none;padding:6px 12px;border-radius:6px}
.top nav a:hover,.top nav a[aria-current]{background:#263052;color:#fff}
.sign-out button{background:none;border:1px solid #3a4566;color:#c9d1e6}
.page{max-width:1280px;margin:0 auto;padding:24px 32px 48px}
h1{font-size:24px;margin:0}h2{font-size:17px;margin:0 0 8px}
.heading{display:flex;align-items:center;gap:14px;margin:4px 0 18px;flex-wrap:wrap}.heading h1{word-break:break-all}
.heading .button.primary{margin-left:auto}
.card{background:var(--card);border:1px solid var(--line);border-radius:var(--radius);padding:20px;margin-bottom:20px;box-shadow:0 1px 2px rgba(16,24,40,.04)}
.card.narrow{max-width:420px;margin:48px auto}
.stack{display:flex;flex-direction:column;gap:14px}
label{display:flex;flex-direction:column;gap:4px;font-weight:550;font-size:14px}
label.inline{flex-direction:row;align-items:center;gap:6px;font-weight:400}
input,select,textarea{font:inherit;padding:8px 10px;border:1px solid #cfd4dc;border-radius:7px;background:#fff;color:inherit;font-weight:400}
input[type=file]{padding:7px;background:#fafbfc}
input:focus,select:focus,textarea:focus,button:focus-visible,.button:focus-visible{outline:2px solid var(--accent);outline-offset:1px}
fieldset{border:1px solid var(--line);border-radius:8px;padding:12px 16px 16px;display:flex;flex-direction:column;gap:12px}
legend{color:var(--muted);font-size:13px;padding:0 6px}
small{font-weight:400}details summary{cursor:pointer;color:var(--muted);font-size:14px}details label{margin-top:10px}
.grid4{display:grid;grid-template-columns:repeat(4,minmax(0,1fr));gap:14px}.span2{grid-column:span 2}.span3{grid-column:span 3}
button,.button{font:inherit;font-weight:550;font-size:14px;padding:8px 16px;border-radius:7px;border:1px solid #cfd4dc;background:#fff;color:var(--ink);cursor:pointer;text-decoration:none;display:inline-block;line-height:1.4}
button:hover:not(:disabled),.button:hover{border-color:#9aa4b5}
button.primary,.button.primary{background:var(--accent);border-color:var(--accent);color:var(--accent-ink)}
button.danger{color:var(--bad);border-color:#efb5b5}
button.quiet,.button.quiet{background:#f3f4f7}
button:disabled{opacity:.45;cursor:default}
.actions{display:flex;gap:10px;align-items:center;flex-wrap:wrap}.spacer{flex:1}
.muted{color:var(--muted);font-weight:400}
.error{color:var(--bad);background:#fdf0f0;border:1px solid #f3c4c4;padding:8px 12px;border-radius:7px}
.notice{background:#fff8e6;border:1px solid #f2dc9b;padding:8px 12px;border-radius:7px}
.report{border-radius:8px;padding:14px 18px;margin-top:4px}.report.good{background:#eef8f1;border:1px solid #bfe3cb}
.report.bad{background:#fdf0f0;border:1px solid #f3c4c4}.report p{margin:4px 0}
.problems{margin:8px 0 0;padding-left:22px;font-family:ui-monospace,Menlo,monospace;font-size:13px;max-height:320px;overflow:auto}
.table{width:100%;border-collapse:collapse}.table th{text-align:left;color:var(--muted);font-weight:550;font-size:13px}
.table th,.table td{padding:9px 8px;border-bottom:1px solid var(--line)}
.badge{display:inline-block;padding:1px 9px;border-radius:999px;font-size:12px;font-weight:600;background:#eef0f4;color:#475467;text-transform:lowercase}
.badge.running,.badge.processing,.badge.queued,.badge.mirroring,.badge.preparing{background:#e7ecff;color:#3b5bdb}
.badge.completed,.badge.succeeded{background:#e3f4e9;color:#1f7a45}.badge.failed,.badge.timed_out{background:#fbe4e4;color:#b42318}
.badge.paused,.badge.budget_exhausted,.badge.skipped_budget{background:#fff1d6;color:#a15c00}
.external{font-size:14px}.external::after{content:" \\2197"}
.progress{height:12px;background:#eceef3;border-radius:999px;overflow:hidden}
.progress span{display:block;height:100%;background:linear-gradient(90deg,#3b5bdb,#5c7cfa);transition:width .4s}
.progress-text{margin:8px 0 14px;color:var(--muted)}
.stats{display:grid;grid-template-columns:repeat(9,minmax(0,1fr));gap:10px;margin-bottom:16px}
.stat{background:#f8f9fb;border:1px solid var(--line);border-radius:8px;padding:8px 10px}
.stat .value{display:block;font-size:19px;font-weight:650}.stat .label{font-size:12px;color:var(--muted)}
.gallery-head{display:flex;align-items:flex-end;justify-content:space-between;gap:16px;margin-bottom:10px;flex-wrap:wrap}
.filters{display:flex;gap:12px}.filters label{font-size:13px}
.chart{margin:0 0 18px;background:var(--card);border:1px solid var(--line);border-radius:var(--radius);padding:14px 18px}
.chart figcaption{font-weight:600;font-size:14px;margin-bottom:6px}
.bar{display:flex;align-items:center;gap:10px;margin:5px 0}.bar-label{width:150px;font-size:13px}.bar-count{width:48px;font-size:13px;color:var(--muted)}
.track{flex:1;display:flex;height:14px;background:#f0f2f5;border-radius:4px;overflow:hidden}.seg{display:block;height:100%}
.legend{margin:8px 0 0;font-size:12px;color:var(--muted)}.legend span{margin-right:14px}.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;vertical-align:-1px}
.tiles{list-style:none;margin:0;padding:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(230px,1fr));gap:16px}
.tile{background:var(--card);border:1px solid var(--line);border-radius:var(--radius);overflow:hidden;display:flex;flex-direction:column}
.tile video,.tile .empty{width:100%;aspect-ratio:16/9;display:block;background:#0f1320;object-fit:cover;cursor:pointer}
.tile .empty{display:flex;align-items:center;justify-content:center;color:#fff;background:#98a2b3;cursor:default;font-weight:600}
.tile.failed .empty{background:#c24444}.tile.skipped_budget .empty{background:#d99a2b}
.caption{padding:10px 12px 12px}.prompt{margin:0 0 6px;font-size:14px;display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical;overflow:hidden}
.meta{margin:2px 0;font-size:12px;color:var(--muted)}.failure{margin:6px 0 0;font-size:12px;color:#b42318}
.pager{display:flex;gap:12px;align-items:center;justify-content:center;margin-top:18px;color:var(--muted)}
.player video{width:100%;max-width:720px;margin-top:14px;border-radius:8px;background:#000}
.message{color:var(--muted)}
@media (max-width:1100px){.stats{grid-template-columns:repeat(5,minmax(0,1fr))}.grid4{grid-template-columns:repeat(2,minmax(0,1fr))}}
`;

export const CONSOLE_JS = `
'use strict';
const $ = (s, el = document) => el.querySelector(s);
const set = (root, name, value) => root.querySelectorAll('[data-field="' + name + '"]').forEach((el) => (el.textContent = value));

// A form that answers with a fragment (the check report) or a place to go (a started campaign).
document.addEventListener('submit', async (event) => {
  const form = event.target;
  if (!form.matches('[data-fragment], [data-steer]')) return;
  event.preventDefault();
  const button = event.submitter;
  const action = (button && button.getAttribute('formaction')) || form.getAttribute('action');
  const target = form.dataset.fragment ? $(form.dataset.fragment) : null;
  const message = form.querySelector('[data-field="message"]');
  if (button) button.disabled = true;
  try {
    const response = await fetch(action, { method: 'POST', body: new FormData(form), headers: { 'X-Console-Fragment': '1' } });
    const location = response.headers.get('X-Location');
    if (location) return void (window.location.href = location);
    const text = await response.text();
    // Markup only from our own pages' answers; an error's text is shown as text.
    const html = response.ok || (response.headers.get('Content-Type') || '').startsWith('text/html');
    if (target && html) target.innerHTML = text;
    else if (target) target.textContent = text;
    else if (message) message.textContent = text;
    else if (!response.ok) alert(text);
  } finally {
    if (button) button.disabled = false;
    if (form.matches('[data-steer]')) refresh();
  }
});

// Gallery: a click plays or pauses a video; a filter applies at once.
document.addEventListener('click', (event) => {
  const video = event.target.closest && event.target.closest('.tile video');
  if (video) video.paused ? video.play() : video.pause();
});
document.addEventListener('change', (event) => {
  const form = event.target.closest && event.target.closest('form.filters');
  if (!form) return;
  // Only the filters set, from page 1: a short address to share.
  const params = new URLSearchParams(new FormData(form));
  for (const [key, value] of [...params]) if (!value) params.delete(key);
  window.location.href = form.getAttribute('action') + (params.size ? '?' + params : '');
});

let refresh = () => undefined;
let timer;
let failures = 0;
function live(url, apply) {
  let busy = false;
  refresh = async () => {
    if (busy) return;
    busy = true;
    try {
      const response = await fetch(url, { headers: { Accept: 'application/json' } });
      if (!response.ok) throw new Error(String(response.status));
      const state = await response.json();
      await apply(state);
      failures = 0;
      clearTimeout(timer);
      if (state.open) timer = setTimeout(refresh, 1000);
    } catch {
      // A hiccup (Temporal, the network) must not freeze the page: try again, backing off to 30 s.
      failures += 1;
      clearTimeout(timer);
      timer = setTimeout(refresh, Math.min(30_000, 1000 * 2 ** failures));
    } finally {
      busy = false;
    }
  };
  refresh();
}

function progressbar(root, percent) {
  const bar = $('[role="progressbar"]', root);
  bar.setAttribute('aria-valuenow', String(percent));
  bar.firstElementChild.style.width = percent + '%';
}

const campaign = $('[data-campaign]');
if (campaign) {
  const base = '/campaigns/' + encodeURIComponent(campaign.dataset.campaign);
  let shown = '';
  live(base + '/progress.json', async (s) => {
    const p = s.progress || {};
    const status = p.status || (s.workflow_status || '').toLowerCase();
    const badge = $('.heading .badge', campaign);
    badge.textContent = status;
    badge.className = 'badge ' + status;
    progressbar(campaign, s.percent);
    set(campaign, 'percent', s.percent);
    set(campaign, 'done', s.done);
    for (const k of ['total', 'running', 'succeeded', 'failed', 'cancelled', 'credits_spent', 'credits_reserved']) set(campaign, k, p[k] ?? '–');
    set(campaign, 'skipped', (p.skipped ?? 0) + (p.skipped_budget ?? 0));
    set(campaign, 'rate', p.rate_per_minute === undefined ? '–' : p.rate_per_minute.toFixed(1));
    set(campaign, 'eta', s.eta);
    const failure = $('[data-field="failure"]', campaign);
    failure.hidden = !s.failure;
    if (s.failure) failure.textContent = s.failure.type + ': ' + s.failure.message;
    const when = { running: s.open && (status === 'running' || status === 'preparing'), paused: s.open && status === 'paused', open: s.open, failed: (p.failed ?? 0) > 0 };
    campaign.querySelectorAll('[data-when]').forEach((b) => (b.disabled = !when[b.dataset.when]));
    // New rows finished: the gallery page again (unless a video is playing in it).
    const gallery = $('#gallery');
    const playing = [...gallery.querySelectorAll('video')].some((v) => !v.paused);
    const key = [s.done, p.succeeded, p.failed, p.cancelled].join('/');
    if (key !== shown && !playing) {
      const response = await fetch(gallery.dataset.src + window.location.search);
      if (response.ok) {
        gallery.innerHTML = await response.text();
        shown = key;
      }
    }
  });
}

const video = $('[data-video]');
if (video) {
  const base = '/videos/' + encodeURIComponent(video.dataset.video);
  live(base + '/progress.json', (s) => {
    const p = s.progress || {};
    const status = p.status || (s.workflow_status || '').toLowerCase();
    const badge = $('.heading .badge', video);
    badge.textContent = status;
    badge.className = 'badge ' + status;
    progressbar(video, p.progress ?? 0);
    for (const k of ['progress', 'model', 'attempt', 'job_id']) set(video, k, p[k] ?? '–');
    const failure = $('[data-field="failure"]', video);
    failure.hidden = !s.failure;
    if (s.failure) failure.textContent = s.failure.type + ': ' + s.failure.message;
    video.querySelectorAll('[data-when]').forEach((b) => (b.disabled = !s.open));
    const player = $('[data-field="player"]', video);
    if (s.succeeded && !player.querySelector('video')) {
      player.innerHTML = '<video controls playsinline></video>';
      player.firstChild.src = base + '/video';
    }
  });
}
`;
