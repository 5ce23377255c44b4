// The dashboard's live feed: objects appear as they are stored, without a reload.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  AE,
  BH,
  launch,
  signedIn,
  openLiveDashboard,
  sameDocument,
  postObjects,
  indicator,
  uniqueWord,
  WAIT,
} from '../lib/harness.js';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test('live feed: an object another organization POSTs through TAXII appears without a reload', async () => {
  const { context, page } = await signedIn(browser, BH);
  try {
    await openLiveDashboard(page);
    const before = await page.locator('ul#feed > li.feed-item').count();

    const name = `Credential phishing kit ${uniqueWord('feed')}`;
    const object = indicator({
      name,
      pattern: "[domain-name:value = 'login-gov-bh.example.com']",
      tlp: 'green',
    });
    await postObjects(AE, [object]);

    const item = page.locator(`ul#feed > li.feed-item[data-id="${object.id}"]`);
    await item.waitFor({ state: 'visible', timeout: WAIT });
    assert.match(await item.innerText(), new RegExp(name));
    // Prepended: the newest is first.
    assert.equal(
      await page.locator('ul#feed > li.feed-item').first().getAttribute('data-id'),
      object.id,
    );
    // Once, even though the feed may also be re-read on reconnect.
    assert.equal(await page.locator(`ul#feed > li.feed-item[data-id="${object.id}"]`).count(), 1);
    assert.ok((await page.locator('ul#feed > li.feed-item').count()) >= Math.min(before + 1, 2));
    assert.ok(await sameDocument(page), 'the page reloaded');

    // Two more in one POST: both arrive, still without a reload.
    const more = [
      indicator({ name: `Botnet C2 ${uniqueWord()}`, tlp: 'clear' }),
      indicator({ name: `خادم تحكم ${uniqueWord()}`, tlp: 'green' }),
    ];
    await postObjects(AE, more);
    for (const o of more) {
      await page.locator(`ul#feed > li.feed-item[data-id="${o.id}"]`).waitFor({ timeout: WAIT });
    }
    assert.ok(await sameDocument(page), 'the page reloaded');
    assert.deepEqual(context.pageErrors, []);
  } finally {
    await context.close();
  }
});
