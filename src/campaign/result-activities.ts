/**
 * The campaign's result activities: write one part of the results as rows finish, and gather the
 * parts into results.jsonl, results.csv and the gallery.
 */
import { putText } from '../store';
import type { CampaignFiles } from './files';
import { GALLERY_TILES, renderGallery, type GalleryTile } from './gallery';
import { campaignKey, type CampaignResultRow } from './results';
import { csvHeader, csvRecord } from './results-csv';
import type { CampaignOutputs, CompileInput } from './activities';

export function createResultActivities(files: CampaignFiles) {
  return {
    /** One part of the results manifest: the workflow names the key, so a retry replaces it. */
    async writeCampaignResults(input: { key: string; records: CampaignResultRow[] }): Promise<void> {
      await files.writeRecords(input.key, input.records);
    },

    /**
     * results.jsonl and results.csv (every attempt of every row, in the order they finished) and the
     * gallery (index.html, each row's latest attempt, in manifest order), from the written parts.
     */
    async compileCampaignResults(input: CompileInput): Promise<CampaignOutputs> {
      const jsonl = files.lineWriter(campaignKey(input.campaign_id, 'results.jsonl'));
      const csv = files.lineWriter(campaignKey(input.campaign_id, 'results.csv'));
      let scanned: Awaited<ReturnType<CampaignFiles['scanResults']>>;
      try {
        await csv.write(csvHeader());
        scanned = await files.scanResults(input.campaign_id, async (record) => {
          await jsonl.write(JSON.stringify(record));
          await csv.write(csvRecord(record));
        });
      } catch (error) {
        jsonl.abort(error as Error);
        csv.abort(error as Error);
        throw error;
      }
      const [results, table] = [await jsonl.end(), await csv.end()];
      const rows = [...scanned.latest.values()].sort((a, b) => a.i - b.i);
      const totals = files.totalsOf(rows, scanned.credits);
      const galleryKey = campaignKey(input.campaign_id, 'index.html');
      const tiles: GalleryTile[] = [];
      for (const row of rows.slice(0, GALLERY_TILES)) {
        tiles.push({
          ...row,
          video_href: await files.href(row.video_uri, row.video_url, galleryKey),
          thumbnail_href: await files.href(row.thumbnail_uri, row.thumbnail_url, galleryKey),
        });
      }
      const gallery = await putText(
        files.store,
        galleryKey,
        renderGallery(input.campaign_id, totals, tiles, rows),
        'text/html',
      );
      return {
        results_jsonl: results.uri,
        results_csv: table.uri,
        gallery: gallery.uri,
        totals,
        ...(rows.length <= input.list_rows_up_to ? { rows } : {}),
      };
    },
  };
}
