/** One GenerateVideo: the form that starts it and its page (live progress, Cancel, Fall back). */
import type { VideoState } from '../temporal';
import { h, type Html } from './html';

export function videoForm(models: string[], error?: string): Html {
  return h`<h1>Single video</h1>
<form class="card stack" method="post" action="/videos">
${error ? h`<p class="error" role="alert">${error}</p>` : ''}
<label>Prompt <textarea name="prompt" rows="3" required placeholder="A red kite over the sea, golden hour"></textarea></label>
<div class="grid4">
<label>Model <select name="model"><option value="">default</option>${models.map((m) => h`<option>${m}</option>`)}</select></label>
<label class="span3">Image URL <input type="url" name="image_url" placeholder="https://... (optional: animate this image)"></label>
</div>
<details><summary>More fields (JSON)</summary>
<label>Other fields (JSON) <textarea name="extra_json" rows="2" placeholder='{"duration_seconds": 8, "fallback_models": ["wan-2-1"]}'></textarea></label>
</details>
<div class="actions"><button type="submit" class="primary">Generate</button></div>
</form>`;
}

export function videoPage(id: string, state: VideoState, workflowLink: string, models: string[]): Html {
  const p = state.progress;
  const base = `/videos/${encodeURIComponent(id)}`;
  const status = p?.status ?? state.workflow_status?.toLowerCase() ?? 'not found';
  return h`<div class="video-job" data-video="${id}" data-open="${state.open ? '1' : '0'}">
<div class="heading"><h1>Video</h1><span class="badge ${status}" data-field="status">${status}</span>
<a class="external" href="${workflowLink}" target="_blank" rel="noopener">Open in Temporal UI</a></div>
<section class="card">
<p class="muted mono">${id}</p>
<div class="progress" role="progressbar" aria-label="Video progress" aria-valuemin="0" aria-valuemax="100" aria-valuenow="${p?.progress ?? 0}"><span style="width:${p?.progress ?? 0}%"></span></div>
<p class="progress-text"><span data-field="progress">${p?.progress ?? 0}</span>% · model <b data-field="model">${p?.model ?? '–'}</b> · attempt <span data-field="attempt">${p?.attempt ?? '–'}</span> · job <span class="mono" data-field="job_id">${p?.job_id ?? '–'}</span></p>
<p class="error" data-field="failure" ${state.failure ? '' : h`hidden`}>${state.failure ? `${state.failure.type}: ${state.failure.message}` : ''}</p>
<form class="actions steer" method="post" data-steer>
<button type="submit" formaction="${base}/cancel" class="danger" data-when="open">Cancel</button>
<label class="inline">to <select name="model"><option value="">next in chain</option>${models.map((m) => h`<option>${m}</option>`)}</select></label>
<button type="submit" formaction="${base}/fallback" data-when="open">Fall back</button>
<span class="message" data-field="message" role="status"></span>
</form>
<div class="player" data-field="player">${state.result ? h`<video src="${base}/video" controls playsinline></video>` : ''}</div>
</section></div>`;
}
