/** The results gallery escapes every value it shows: rows come from files people and gateways wrote. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GALLERY_TILES, renderGallery, type GalleryTile } from '../../src/campaign/gallery';
import { emptyTotals } from '../../src/campaign/results';

const SCRIPT = '<script>alert(1)</script>';
const ATTRIBUTE = '" onmouseover="alert(1)';

function tile(overrides: Record<string, unknown>): GalleryTile {
  return {
    id: 'row-1',
    i: 0,
    line: 2,
    attempt: 1,
    status: 'failed',
    credits: 80,
    attempts: 1,
    prompt: 'a cat',
    finished_at: '2026-01-01T00:00:00Z',
    ...overrides,
  } as GalleryTile;
}

describe('gallery', () => {
  test('status, credits, attempt and totals are escaped like the prompt is', () => {
    const tiles = [
      tile({ status: SCRIPT }),
      tile({ status: ATTRIBUTE }),
      tile({ credits: SCRIPT, attempt: SCRIPT }),
      tile({ status: 'succeeded', video_href: 'v.mp4', credits: ATTRIBUTE, attempt: `2${SCRIPT}` }),
      tile({ status: '__proto__', model: 'constructor' }),
    ];
    const totals = { ...emptyTotals(), rows: SCRIPT, credits: SCRIPT } as never;
    const page = renderGallery('campaign', totals, tiles);
    assert.doesNotMatch(page, /<script/i);
    assert.doesNotMatch(page, /" onmouseover=/);
    assert.match(page, /&#60;script&#62;alert\(1\)&#60;\/script&#62;/);
  });

  test('a page of 100,000 rows of 8,000-character prompts stays small: capped tiles, clipped text', () => {
    const long = '"&'.repeat(4000);
    const rows = Array.from({ length: 100_000 }, (_, i) =>
      tile({ id: `r${i}`, i, prompt: long, failure_type: 'ProviderFailed', failure_message: long }),
    );
    const page = renderGallery('campaign', emptyTotals(), rows.slice(0, GALLERY_TILES), rows);
    assert.ok(page.length < 5 * 1024 * 1024, `${page.length} characters`);
    assert.equal(page.match(/<figure /g)?.length, GALLERY_TILES);
    assert.match(page, /The first 1000 of 100000 rows/);
  });
});
