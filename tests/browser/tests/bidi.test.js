// Bidirectional text: Arabic prose with URLs, IP addresses and dates inside, and Latin values
// inside Arabic pages. Every value the pages isolate — names and machine values (<bdi>),
// times, TLP badges — must be drawn in one piece on each line: nothing of the text around it
// may be displayed between its parts (as when a date's day jumps next to the type beside it).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  AE,
  launch,
  signedIn,
  openLiveDashboard,
  switchLanguage,
  postObjects,
  campaign,
  indicator,
  uniqueWord,
  objectPath,
  searchPath,
} from '../lib/harness.js';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/**
 * Elements under `main` matching `selector` whose fragments on one line are not adjacent:
 * the width spanned on the line exceeds the sum of the fragments' widths by more than `slack`
 * pixels. Returns a description of each.
 */
function fragmented(page, selector, slack = 2) {
  return page.locator(`main :is(${selector})`).evaluateAll(
    (elements, slack) => {
      const bad = [];
      for (const element of elements) {
        const lines = new Map();
        for (const r of element.getClientRects()) {
          if (r.width <= 0) continue;
          const key = Math.round(r.top);
          if (!lines.has(key)) lines.set(key, []);
          lines.get(key).push(r);
        }
        for (const rects of lines.values()) {
          const left = Math.min(...rects.map((r) => r.left));
          const right = Math.max(...rects.map((r) => r.right));
          const sum = rects.reduce((s, r) => s + r.width, 0);
          if (right - left - sum > slack) {
            bad.push(`<${element.localName}> "${element.textContent.trim()}" (gap ${Math.round(right - left - sum)}px)`);
            break;
          }
        }
      }
      return bad;
    },
    slack,
  );
}

test('bidi: names, machine values, times and badges are drawn in one piece, in Arabic and English', async () => {
  const marker = uniqueWord('bidi');
  const objects = [
    indicator({
      name: `رابط تصيد ${marker} على https://pay-fines.example.com/ar/login يستضيفه 203.0.113.45`,
      description:
        'صفحة دفع مزيفة على https://pay-fines.example.com/ar/login والخادم 203.0.113.45 ' +
        '(التجزئة d41d8cd98f00b204e9800998ecf8427e) منذ 2026-11-20، والبريد alerts@gov-epay.test.',
      pattern: "[url:value = 'https://pay-fines.example.com/ar/login']",
      tlp: 'green',
    }),
    campaign({
      name: `حملة «SaqrKit» ${marker} ضد 198.51.100.0/24`,
      description: 'Spear-phishing تستهدف الوزارات عبر c2.saqr.example.org',
      tlp: 'amber',
    }),
  ];
  await postObjects(AE, objects);

  const { context, page } = await signedIn(browser, AE);
  try {
    const problems = [];
    for (const lang of ['en', 'ar']) {
      await switchLanguage(page, lang);
      for (const path of ['/ui/', searchPath(marker), searchPath('حملة'), objectPath(objects[0].id)]) {
        await page.goto(path);
        for (const p of await fragmented(page, 'bdi, time, .tlp')) problems.push(`${lang} ${path}: ${p}`);
      }
      // Machine values inside Arabic prose are isolated left to right.
      await page.goto(objectPath(objects[0].id));
      const values = await page
        .locator('#properties bdi[dir=ltr]')
        .evaluateAll((els) => els.map((e) => e.textContent.trim()));
      for (const v of [
        'https://pay-fines.example.com/ar/login',
        '203.0.113.45',
        'alerts@gov-epay.test',
        'd41d8cd98f00b204e9800998ecf8427e',
        '2026-11-20', // after Arabic letters it would read 20-11-2026
      ]) {
        assert.ok(values.includes(v), `${lang}: ${v} isolated in the description (${values})`);
      }
      // And in the name, where the page's title shows it.
      const title = await page
        .locator('h1 bdi[dir=ltr]')
        .evaluateAll((els) => els.map((e) => e.textContent.trim()));
      for (const v of ['https://pay-fines.example.com/ar/login', '203.0.113.45']) {
        assert.ok(title.includes(v), `${lang}: ${v} isolated in the title (${title})`);
      }
    }
    assert.equal(problems.length, 0, `drawn in pieces:\n${problems.slice(0, 5).join('\n')}`);
  } finally {
    await switchLanguage(page, 'en').catch(() => {});
    await context.close();
  }
});

// Names in the feed (server-rendered and added by the script) and in search results isolate
// each machine value inside them: otherwise an Arabic name holding a URL wraps inside the URL,
// and in a right-to-left line `https://pay-` and `fines.example.com/…` end up apart.
test('bidi: URLs and IP addresses inside names are isolated in the feed and in search results', async () => {
  const marker = uniqueWord('bidiname');
  const url = 'https://pay-fines.example.com/ar/login';
  const object = indicator({
    name: `رابط تصيد ${marker} على ${url} يستضيفه 203.0.113.45`,
    pattern: `[url:value = '${url}']`,
    tlp: 'green',
  });
  const { context, page } = await signedIn(browser, AE);
  const isolated = (selector) =>
    page.locator(`${selector} bdi[dir=ltr]`).evaluateAll((els) => els.map((e) => e.textContent.trim()));
  try {
    await openLiveDashboard(page);
    await postObjects(AE, [object]);
    const item = `li.feed-item[data-id="${object.id}"]`;
    await page.locator(item).waitFor();
    assert.ok((await isolated(item)).includes(url), 'live feed item');
    await page.goto('/ui/');
    assert.ok((await isolated(item)).includes(url), 'dashboard feed item');
    await page.goto(searchPath(marker));
    assert.ok((await isolated(`li.hit[data-id="${object.id}"] a.hit-link`)).includes(url), 'search hit');
  } finally {
    await context.close();
  }
});
