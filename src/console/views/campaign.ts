/**
 * A campaign's page: live progress and the steering buttons on top, downloads, then the gallery (a
 * fragment of its own, paged on the server, refreshed as rows finish).
 */
import { ROW_STATUSES, type CampaignResultRow } from '../../campaign/results';
import type { GalleryFilter, GalleryPage } from '../results';
import type { CampaignState } from '../temporal';
import { h, type Html } from './html';

export const COLOURS: Record<string, string> = {
  succeeded: '#2e9d5b',
  failed: '#d64545',
  cancelled: '#8f8f8f',
  skipped_budget: '#e0a030',
  skipped: '#c4c4c4',
};

const cid = (id: string) => `/campaigns/${encodeURIComponent(id)}`;

export interface CampaignLinks {
  /** The campaign in the Temporal UI, and its videos there. */
  workflow: string;
  videos: string;
}

export function campaignPage(id: string, state: CampaignState, links: CampaignLinks, gallery: Html): Html {
  const p = state.progress;
  const stat = (name: string, label: string, value: unknown) =>
    h`<div class="stat"><span class="value" data-field="${name}">${value ?? '–'}</span><span class="label">${label}</span></div>`;
  return h`<div class="campaign" data-campaign="${id}" data-open="${state.open ? '1' : '0'}">
<div class="heading"><h1>${id}</h1><span class="badge ${p?.status ?? ''}" data-field="status">${p?.status ?? state.workflow_status?.toLowerCase() ?? 'not found'}</span>
<a class="external" href="${links.workflow}" target="_blank" rel="noopener">Open in Temporal UI</a></div>
${state.found ? '' : h`<p class="notice">No workflow with this id in Temporal (its retention may have passed): showing the results kept in the store.</p>`}
<p class="error" data-field="failure" ${state.failure ? '' : h`hidden`}>${state.failure ? `${state.failure.type}: ${state.failure.message}` : ''}</p>
<section class="card">
<div class="progress" role="progressbar" aria-label="Campaign progress" aria-valuemin="0" aria-valuemax="100" aria-valuenow="${state.percent}"><span style="width:${state.percent}%"></span></div>
<p class="progress-text"><span data-field="done">${state.done}</span> of <span data-field="total">${p?.total ?? 0}</span> rows done · <span data-field="percent">${state.percent}</span>%</p>
<div class="stats">
${stat('running', 'running', p?.running)}${stat('succeeded', 'succeeded', p?.succeeded)}${stat('failed', 'failed', p?.failed)}${stat('cancelled', 'cancelled', p?.cancelled)}${stat('skipped', 'skipped', p ? p.skipped + p.skipped_budget : undefined)}
${stat('credits_spent', 'credits spent', p?.credits_spent)}${stat('credits_reserved', 'credits reserved', p?.credits_reserved)}${stat('rate', 'rows / min', p ? p.rate_per_minute.toFixed(1) : undefined)}${stat('eta', 'ETA', state.open ? eta(p?.eta_ms) : '–')}
</div>
<form class="actions steer" method="post" data-steer>
<button type="submit" formaction="${cid(id)}/pause" data-when="running">Pause</button>
<button type="submit" formaction="${cid(id)}/resume" data-when="paused">Resume</button>
<button type="submit" formaction="${cid(id)}/cancel" data-when="open" class="danger">Cancel campaign</button>
<button type="submit" formaction="${cid(id)}/retry-failed" data-when="failed">Retry failed</button>
<span class="spacer"></span>
<a class="button quiet" href="${cid(id)}/results.csv" download>Download results (CSV)</a>
<a class="button quiet" href="${cid(id)}/results.jsonl" download>Download results (JSONL)</a>
<a class="external" href="${links.videos}" target="_blank" rel="noopener">Videos in Temporal UI</a>
</form>
</section>
<section id="gallery" class="gallery-frame" data-src="${cid(id)}/gallery">${gallery}</section>
</div>`;
}

export function eta(ms: number | undefined): string {
  if (ms === undefined) return '–';
  const s = Math.round(ms / 1000);
  return s < 90 ? `${s} s` : s < 5400 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`;
}

function chart(byModel: GalleryPage['byModel']): Html {
  if (!byModel.length) return h``;
  const most = Math.max(1, ...byModel.map(([, c]) => Object.values(c).reduce((a, b) => a + (b ?? 0), 0)));
  const bars = byModel.map(
    ([model, counts]) =>
      h`<div class="bar"><span class="bar-label">${model}</span><span class="track">${ROW_STATUSES.filter(
        (s) => counts[s],
      ).map(
        (s) =>
          h`<span class="seg" title="${s}: ${counts[s]}" style="width:${(100 * counts[s]!) / most}%;background:${COLOURS[s]}"></span>`,
      )}</span><span class="bar-count">${Object.values(counts).reduce((a, b) => a + (b ?? 0), 0)}</span></div>`,
  );
  const legend = ROW_STATUSES.map(
    (s) => h`<span><i style="background:${COLOURS[s]}"></i>${s.replace('_', ' ')}</span>`,
  );
  return h`<figure class="chart" aria-label="Outcomes by model"><figcaption>Outcomes by model</figcaption>${bars}<p class="legend">${legend}</p></figure>`;
}

function tile(id: string, row: CampaignResultRow, workflowLink: (id: string) => string): Html {
  const media = `${cid(id)}/rows/${row.i}`;
  const visual =
    row.status === 'succeeded' && row.video_uri
      ? h`<video src="${media}/video"${row.thumbnail_uri ? h` poster="${media}/thumbnail"` : ''} preload="none" muted playsinline loop title="Click to play"></video>`
      : h`<div class="empty">${row.status.replace('_', ' ')}</div>`;
  const failure = row.failure_type
    ? h`<p class="failure"><b class="failure-type">${row.failure_type}</b> ${row.failure_message ?? ''}</p>`
    : row.status !== 'succeeded' && row.failure_message
      ? h`<p class="failure">${row.failure_message}</p>`
      : '';
  return h`<li class="tile ${row.status}" role="listitem" data-id="${row.id}" data-status="${row.status}">${visual}
<div class="caption"><p class="prompt" title="${row.prompt}">${row.prompt}</p>
<p class="meta"><span class="badge ${row.status}">${row.status.replace('_', ' ')}</span> ${row.model ?? ''} · ${row.credits} credits${row.attempt > 1 ? ` · attempt ${row.attempt}` : ''}</p>
<p class="meta">${row.id}${row.workflow_id ? h` · <a href="${workflowLink(row.workflow_id)}" target="_blank" rel="noopener">workflow</a>` : ''}</p>
${failure}</div></li>`;
}

export function galleryFragment(
  id: string,
  page: GalleryPage,
  filter: GalleryFilter,
  workflowLink: (id: string) => string,
): Html {
  const query = (changes: Partial<GalleryFilter>) => {
    const f = { ...filter, ...changes };
    const params = new URLSearchParams();
    if (f.status) params.set('status', f.status);
    if (f.model) params.set('model', f.model);
    if (f.page > 1) params.set('page', String(f.page));
    const text = params.toString();
    return `${cid(id)}${text ? `?${text}` : ''}`;
  };
  const option = (value: string, current: string | undefined) =>
    h`<option value="${value}"${value === (current ?? '') ? h` selected` : ''}>${value || 'all'}</option>`;
  return h`<div class="gallery-head"><h2>Videos <span class="muted">${page.matched} of ${page.rows} finished rows</span></h2>
<form class="filters" method="get" action="${cid(id)}">
<label>Status <select name="status">${['', ...ROW_STATUSES].map((s) => option(s, filter.status))}</select></label>
<label>Model <select name="model">${['', ...page.models].map((m) => option(m, filter.model))}</select></label>
<noscript><button type="submit">Filter</button></noscript>
</form></div>
${chart(page.byModel)}
<ul class="tiles" role="list" aria-label="Gallery">${page.tiles.map((row) => tile(id, row, workflowLink))}</ul>
${page.matched ? '' : h`<p class="muted">No finished rows${filter.status || filter.model ? ' match' : ' yet'}.</p>`}
<nav class="pager" aria-label="Gallery pages">
${page.page > 1 ? h`<a class="button quiet" rel="prev" href="${query({ page: page.page - 1 })}">Previous</a>` : ''}
<span>Page ${page.page} of ${page.pages}</span>
${page.page < page.pages ? h`<a class="button quiet" rel="next" href="${query({ page: page.page + 1 })}">Next</a>` : ''}
</nav>`;
}
