// Every page of the interface, as a person clicks through it: each loads everything it asks
// for, and a page that does not exist is the interface's own 404 page.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BH, launch, signedIn } from '../lib/harness.js';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test('every page of the navigation loads without a script error or a CSP violation', async () => {
  const { context, page } = await signedIn(browser, BH);
  try {
    const links = await page
      .locator('nav#nav a')
      .evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.ok(links.length >= 4, `nav#nav: ${links}`);
    for (const href of links) {
      const response = await page.goto(href);
      assert.equal(response.status(), 200, href);
      assert.equal(await page.locator('nav#nav').count(), 1, `${href} has the navigation`);
      const current = await page.locator('nav#nav a[aria-current=page]').getAttribute('href');
      assert.equal(current, href, `${href} is marked as the current page`);
    }
    assert.deepEqual(context.pageErrors, []);
  } finally {
    await context.close();
  }
});

// The browser's own request for /favicon.ico once went to the TAXII API, which answered 401
// with `WWW-Authenticate: Basic`.
test('pages request nothing that fails (the browser\'s favicon included)', async () => {
  const { context, page } = await signedIn(browser, BH);
  const failed = [];
  page.on('response', (r) => {
    if (r.status() >= 400 && r.request().resourceType() !== 'document') {
      failed.push(`${r.status()} ${new URL(r.url()).pathname}`);
    }
  });
  try {
    for (const href of ['/ui/', '/ui/search?q=phishing', '/ui/submit', '/ui/partners']) {
      await page.goto(href);
    }
    // Chromium asks for the icon once the page has loaded.
    const icon = await page.request.get('/favicon.ico', { maxRedirects: 0 });
    if (icon.status() >= 400) failed.push(`${icon.status()} /favicon.ico`);
    assert.deepEqual([...new Set(failed)], []);
  } finally {
    await context.close();
  }
});

// An unknown path under /ui/ once fell through to the TAXII API's 404 (a TAXII JSON error,
// without the pages' headers).
test('an unknown page under /ui/ is the interface\'s own 404 page', async () => {
  const { context, page } = await signedIn(browser, BH);
  try {
    const response = await page.goto('/ui/no-such-page');
    assert.equal(response.status(), 404);
    assert.match(response.headers()['content-type'] ?? '', /^text\/html/);
    assert.ok(response.headers()['content-security-policy'], 'the pages\' CSP');
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    assert.ok(await page.locator('a[href="/ui"], a[href="/ui/"]').count(), 'a way back');
  } finally {
    await context.close();
  }
});
