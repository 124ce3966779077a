/**
 * The results gallery: one static HTML page (no server, no scripts from elsewhere) for the people who
 * commissioned the campaign. A grid of tiles, one per row (its latest attempt): the thumbnail plays
 * the video on click; failed rows show why. Totals and a bar chart of outcomes by model on top.
 */
import { ROW_STATUSES, type CampaignResultRow, type CampaignTotals } from './results';

export interface GalleryTile extends CampaignResultRow {
  /** Where the page finds the video and thumbnail: a path relative to the page, or a URL. */
  video_href?: string;
  thumbnail_href?: string;
}

/**
 * Every value on the page is escaped, whatever its type says: rows come from manifests and results
 * files that a person (or a gateway's failure message) wrote, so a status or a count may be anything.
 */
const escape = (text: unknown) => String(text ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** A long prompt or message shown whole would make a page of 100,000 rows too large to build. */
const clipped = (text: unknown, max = 300) => {
  const whole = String(text ?? '');
  return escape(whole.length > max ? `${whole.slice(0, max - 1)}…` : whole);
};

/**
 * Tiles on the static page: its first rows, in manifest order. A larger campaign is paged by the
 * console (`durable-video console`); results.csv and results.jsonl have every row.
 */
export const GALLERY_TILES = 1000;

const COLOURS: Record<string, string> = {
  succeeded: '#2e9d5b',
  failed: '#d64545',
  cancelled: '#9a9a9a',
  skipped_budget: '#e0a030',
  skipped: '#c8c8c8',
};

function chart(tiles: readonly Pick<CampaignResultRow, 'model' | 'status'>[]): string {
  // Maps, not objects: a status read from a results file may be any text, "__proto__" too.
  const byModel = new Map<string, Map<string, number>>();
  for (const tile of tiles) {
    const model = tile.model ?? '(not started)';
    const counts = byModel.get(model) ?? new Map<string, number>();
    counts.set(tile.status, (counts.get(tile.status) ?? 0) + 1);
    byModel.set(model, counts);
  }
  const most = Math.max(1, ...[...byModel.values()].map((c) => [...c.values()].reduce((a, b) => a + b, 0)));
  const bars = [...byModel.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([model, counts]) => {
      const segments = ROW_STATUSES.filter((s) => counts.get(s))
        .map((s) => {
          const count = counts.get(s)!;
          return `<span class="seg" title="${s}: ${count}" style="width:${(100 * count) / most}%;background:${COLOURS[s]}"></span>`;
        })
        .join('');
      return `<div class="bar"><span class="label">${escape(model)}</span><span class="track">${segments}</span></div>`;
    })
    .join('\n');
  const legend = ROW_STATUSES.map((s) => `<span><i style="background:${COLOURS[s]}"></i>${s}</span>`).join(' ');
  return `<section class="chart" aria-label="outcomes by model">${bars}<p class="legend">${legend}</p></section>`;
}

function tile(row: GalleryTile): string {
  const credits = `${escape(row.credits)} credits`;
  const attempt = row.attempt > 1 ? ` (attempt ${escape(row.attempt)})` : '';
  const caption = `<p class="prompt">${clipped(row.prompt)}</p><p class="meta">${escape(row.id)} · ${escape(row.model ?? '')} · ${credits} · <b>${escape(row.status)}</b>${attempt}</p>`;
  if (row.status === 'succeeded' && row.video_href) {
    const poster = row.thumbnail_href ? ` poster="${escape(row.thumbnail_href)}"` : '';
    return `<figure class="tile ok" data-id="${escape(row.id)}" data-status="${escape(row.status)}"><video src="${escape(row.video_href)}"${poster} preload="none" muted playsinline loop onclick="this.paused ? this.play() : this.pause()"></video><figcaption>${caption}</figcaption></figure>`;
  }
  const why = row.failure_type
    ? `<p class="failure"><b>${escape(row.failure_type)}</b> ${clipped(row.failure_message)}</p>`
    : '';
  const status = escape(row.status);
  return `<figure class="tile ${status}" data-id="${escape(row.id)}" data-status="${status}"><div class="empty">${status}</div><figcaption>${caption}${why}</figcaption></figure>`;
}

/**
 * The page: totals and the chart over every row (`rows`), and a tile for each of `tiles` (the first
 * GALLERY_TILES rows, with links).
 */
export function renderGallery(
  campaignId: string,
  totals: CampaignTotals,
  tiles: GalleryTile[],
  rows: readonly Pick<CampaignResultRow, 'model' | 'status'>[] = tiles,
): string {
  const more =
    rows.length > tiles.length
      ? `<p class="more">The first ${escape(tiles.length)} of ${escape(rows.length)} rows; results.csv and results.jsonl have every row, and the console pages through them all.</p>`
      : '';
  const summary = ROW_STATUSES.map((s) => `<span class="count ${s}">${s}: <b>${escape(totals[s])}</b></span>`).join(
    ' ',
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Campaign ${escape(campaignId)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px system-ui,sans-serif;margin:24px;color:#222}
h1{font-size:20px}.totals{margin:8px 0 16px}.count{margin-right:12px}
.chart{max-width:720px;margin-bottom:24px}.bar{display:flex;align-items:center;margin:3px 0}
.label{width:160px;font-size:12px}.track{flex:1;display:flex;height:14px;background:#f2f2f2}.seg{display:block;height:100%}
.legend span{margin-right:10px;font-size:12px}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(240px,1fr));gap:16px}
.tile{margin:0;border:1px solid #ddd;border-radius:6px;overflow:hidden;background:#fff}
.tile video,.tile .empty{width:100%;aspect-ratio:16/9;background:#111;display:block;cursor:pointer;object-fit:cover}
.tile .empty{display:flex;align-items:center;justify-content:center;color:#fff;background:#888;cursor:default}
.tile.failed .empty{background:#b33}
figcaption{padding:8px}.prompt{margin:0 0 4px;max-height:4.2em;overflow:hidden}.meta{margin:0;color:#666;font-size:12px}
.failure{margin:4px 0 0;color:#a00;font-size:12px}
</style></head>
<body>
<h1>Campaign ${escape(campaignId)}</h1>
<p class="totals">${escape(totals.rows)} rows · ${summary} · <b>${escape(totals.credits)}</b> credits (estimated)</p>
${chart(rows)}
<main class="grid">
${tiles.map(tile).join('\n')}
</main>
${more}
</body></html>
`;
}
