/** The campaigns list, the new-campaign form and the report of a check. */
import type { ManifestCheck } from '../../campaign/check';
import type { CampaignListing } from '../temporal';
import { h, type Html } from './html';

const when = (date: Date | undefined) => (date ? date.toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : '');
const cid = (id: string) => `/campaigns/${encodeURIComponent(id)}`;

export function campaignList(campaigns: CampaignListing[]): Html {
  const rows = campaigns.map((c) => {
    const status = c.status ?? c.workflow_status.toLowerCase();
    return h`<tr><td><a href="${cid(c.id)}">${c.id}</a></td><td><span class="badge ${status}">${status}</span></td><td>${when(c.started)}</td><td>${when(c.closed)}</td></tr>`;
  });
  return h`<div class="heading"><h1>Campaigns</h1><a class="button primary" href="/campaigns/new">New campaign</a></div>
<section class="card">
${
  campaigns.length
    ? h`<table class="table"><thead><tr><th>Campaign</th><th>Status</th><th>Started</th><th>Finished</th></tr></thead><tbody>${rows}</tbody></table>`
    : h`<p class="muted">No campaigns yet. Upload a manifest to start one.</p>`
}
</section>`;
}

const select = (name: string, label: string, options: string[], hint?: string) =>
  h`<label>${label}<select name="${name}"><option value="">${hint ?? '(as in the rows)'}</option>${options.map((o) => h`<option>${o}</option>`)}</select></label>`;

export function newCampaignForm(models: string[]): Html {
  return h`<h1>New campaign</h1>
<form id="campaign-form" class="card stack" method="post" action="/campaigns" enctype="multipart/form-data" data-fragment="#check-report">
<div><label>Manifest <input type="file" name="manifest" accept=".csv,.jsonl,.ndjson" required></label>
<small class="muted">CSV with a header of GenerateVideo fields (lists as <code>a|b</code>), or JSONL: one request per line.</small></div>
<fieldset><legend>Defaults for every row (a row's own value wins)</legend>
<div class="grid4">
${select('model', 'Model', models)}
<label>Duration (s)<input type="number" name="duration_seconds" min="1" max="600" step="1"></label>
${select('resolution', 'Resolution', ['480p', '720p', '1080p', '4k'])}
${select('aspect_ratio', 'Aspect ratio', ['16:9', '9:16', '1:1'])}
</div>
<label>Fallback models <input type="text" name="fallback_models" placeholder="wan-2-1, veo-3-1-fast"></label>
<details><summary>More defaults and prices (JSON)</summary>
<label>Other defaults (JSON) <textarea name="defaults_json" rows="2" placeholder='{"poll_interval": "10s"}'></textarea></label>
<label>Prices (JSON) <textarea name="prices_json" rows="2" placeholder='{"grok-video": 60}'></textarea></label>
</details></fieldset>
<div class="grid4">
<label>Concurrency <input type="number" name="concurrency" min="1" max="1000" step="1" value="5"></label>
<label>Max credits <input type="number" name="max_credits" min="1" step="1" placeholder="no budget"></label>
<label class="span2">Campaign id <input type="text" name="id" pattern="[A-Za-z0-9._\\-]{1,100}" placeholder="generated when empty"></label>
</div>
<div class="actions">
<button type="submit" formaction="/campaigns/check">Check</button>
<button type="submit" class="primary">Start campaign</button>
</div>
<div id="check-report" aria-live="polite"></div>
</form>`;
}

const number = (n: number) => n.toLocaleString('en-US');

/** What a check found: the problems by line (nothing started), or the rows and the worst case. */
export function checkReport(check: ManifestCheck, options: { maxCredits?: number; started?: false }): Html {
  const problems = [...check.settings_problems, ...check.problems];
  const count = check.settings_problems.length + check.problem_count;
  if (count) {
    const more = count > problems.length ? h`<p class="muted">and ${number(count - problems.length)} more</p>` : '';
    return h`<section class="report bad" role="alert"><h2>${number(count)} problem${count === 1 ? '' : 's'}: nothing was started</h2>
<p>${number(check.rows)} rows read. Fix these lines and check again.</p>
<ol class="problems">${problems.map((p) => h`<li>${p}</li>`)}</ol>${more}</section>`;
  }
  const budget = options.maxCredits
    ? check.worst_case_credits > options.maxCredits
      ? h` The budget (max credits ${number(options.maxCredits)}) holds: rows wait for it, and rows that cannot fit are skipped.`
      : h` Within max credits ${number(options.maxCredits)}.`
    : h` No budget set: add Max credits to cap the spend.`;
  return h`<section class="report good" role="status"><h2>Ready: ${number(check.rows)} valid rows</h2>
<p>Worst case: <strong class="worst-case">${number(check.worst_case_credits)} credits</strong> if every row used every model of its fallback chain.${budget}</p>
<p class="muted">Nothing has been started yet.</p></section>`;
}
