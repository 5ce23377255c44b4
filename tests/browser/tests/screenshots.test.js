// Full-page screenshots of the operations room in English and Arabic, with the demo data and
// a few objects whose Arabic text holds URLs and IP addresses (the hard case for a
// right-to-left layout), for a person to look at: target/browser-screenshots/.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  AE,
  BH,
  launch,
  signedIn,
  switchLanguage,
  postObjects,
  campaign,
  indicator,
  objectPath,
  searchPath,
  screenshotPath,
} from '../lib/harness.js';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const MIXED = [
  indicator({
    name: 'رابط تصيد: https://portal-moi.example.com/login?id=42 يستضيفه 203.0.113.45',
    description:
      'صفحة دخول مزيفة لبوابة وزارة الداخلية على https://portal-moi.example.com/login ' +
      'والخادم 203.0.113.45 (المنفذ 443)، نشطة منذ 2026-11-20.',
    pattern: "[url:value = 'https://portal-moi.example.com/login?id=42']",
    tlp: 'green',
  }),
  campaign({
    name: 'حملة برمجيات الفدية «LockBit» ضد المستشفيات',
    description: 'اتصالات بالخادم 198.51.100.23 والنطاق c2.lockbit-mirror.example.org',
    tlp: 'amber',
  }),
  indicator({
    name: 'Brute force from 192.0.2.0/24 against VPN gateways',
    pattern: "[ipv4-addr:value ISSUBSET '192.0.2.0/24']",
    tlp: 'clear',
  }),
];

test('screenshots: dashboard, search and object page in English and Arabic', async () => {
  await postObjects(AE, MIXED.slice(0, 2));
  await postObjects(BH, MIXED.slice(2));

  const { context, page } = await signedIn(browser, BH);
  try {
    const shoot = async (name) => {
      // Let fonts and the chart settle.
      await page.evaluate(() => document.fonts.ready);
      await page.screenshot({ path: screenshotPath(name), fullPage: true });
    };
    for (const lang of ['en', 'ar']) {
      if (lang === 'ar') await switchLanguage(page, 'ar');
      await page.goto('/ui/');
      assert.equal(await page.locator('html').getAttribute('lang'), lang);
      await page.locator('ul#feed > li.feed-item').first().waitFor();
      await page.locator('svg#chart').waitFor();
      await shoot(`dashboard-${lang}.png`);

      await page.goto(searchPath(lang === 'ar' ? 'حملة' : 'phishing'));
      await shoot(`search-${lang}.png`);

      await page.goto(objectPath(MIXED[0].id));
      await page.locator('h1').first().waitFor();
      await shoot(`object-${lang}.png`);

      await page.goto('/ui/submit');
      await shoot(`submit-${lang}.png`);
    }
    assert.deepEqual(context.pageErrors, []);
  } finally {
    // The analyst's language is remembered: leave it English for other runs.
    await switchLanguage(page, 'en').catch(() => {});
    await context.close();
  }
});
