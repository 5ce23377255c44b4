// TLP:RED: an object of one organization is never shown to another, anywhere in the UI.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  AE,
  BH,
  launch,
  signedIn,
  openLiveDashboard,
  postObjects,
  indicator,
  uniqueWord,
  parseCount,
  dashboardTotal,
  breakdown,
  objectPath,
  searchPath,
  WAIT,
} from '../lib/harness.js';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/**
 * Asserts that nothing of the red object is on AE's page: not its words in the text (input
 * values, such as the search box holding the query, are not text), not its id in any
 * attribute or link.
 */
async function assertAbsent(page, red, secret, where) {
  const text = await page.locator('body').innerText();
  assert.ok(!text.includes(secret), `${where}: the red object's words are shown`);
  const html = await page.content();
  assert.ok(!html.includes(red.id), `${where}: the red object's id is in the page`);
}

test('TLP:RED of BH CERT is invisible to AE Police: feed, search, object page, counts', async () => {
  const bh = await signedIn(browser, BH);
  const ae = await signedIn(browser, AE);
  try {
    await openLiveDashboard(bh.page);
    await openLiveDashboard(ae.page);
    const bhTotal = parseCount(await bh.page.locator('#total').innerText());
    const aeTotal = parseCount(await ae.page.locator('#total').innerText());
    const bhByTlp = await breakdown(bh.page, 'by-tlp');
    const aeByTlp = await breakdown(ae.page, 'by-tlp');

    const secret = uniqueWord('redsecret');
    const red = indicator({
      name: `Informant's handset ${secret}`,
      description: `TLP:RED source ${secret}`,
      pattern: "[ipv4-addr:value = '192.0.2.77']",
      tlp: 'red',
    });
    // Posted after the red one: when it reaches AE's feed, the red one would have too.
    const sentinel = indicator({ name: `Shared after the red one ${uniqueWord()}`, tlp: 'green' });
    await postObjects(BH, [red]);
    await postObjects(BH, [sentinel]);

    // Live feed: BH sees both, AE only the green one.
    await bh.page.locator(`li.feed-item[data-id="${red.id}"]`).waitFor({ timeout: WAIT });
    await bh.page.locator(`li.feed-item[data-id="${sentinel.id}"]`).waitFor({ timeout: WAIT });
    await ae.page.locator(`li.feed-item[data-id="${sentinel.id}"]`).waitFor({ timeout: WAIT });
    assert.equal(await ae.page.locator(`li.feed-item[data-id="${red.id}"]`).count(), 0);
    await assertAbsent(ae.page, red, secret, 'AE live dashboard');

    // Search: BH finds it, AE finds nothing, by text or by its address.
    await bh.page.goto(searchPath(secret));
    assert.equal(await bh.page.locator(`li.hit[data-id="${red.id}"]`).count(), 1);
    for (const q of [secret, '192.0.2.77', '192.0.2.0/24']) {
      await ae.page.goto(searchPath(q));
      assert.equal(await ae.page.locator(`li.hit[data-id="${red.id}"]`).count(), 0, q);
      await assertAbsent(ae.page, red, secret, `AE search for ${q}`);
    }
    await ae.page.goto(searchPath(secret));
    await ae.page.locator('#no-results').waitFor({ state: 'visible' });

    // Object page: BH reads it; for AE it is a 404, exactly like an id that does not exist.
    let response = await bh.page.goto(objectPath(red.id));
    assert.equal(response.status(), 200);
    assert.match(await bh.page.locator('h1').first().innerText(), new RegExp(secret));
    response = await ae.page.goto(objectPath(red.id));
    assert.equal(response.status(), 404);
    await assertAbsent(ae.page, red, secret, 'AE object page (404)');
    const unknown = await ae.page.goto(objectPath('indicator--00000000-0000-4000-8000-000000000000'));
    assert.equal(unknown.status(), 404);
    response = await ae.page.goto(objectPath(sentinel.id));
    assert.equal(response.status(), 200, 'AE reads the green one');

    // Counts: the red one counts for BH only.
    assert.equal(await dashboardTotal(bh.page), bhTotal + 2, 'BH total: red and green');
    assert.equal(await dashboardTotal(ae.page), aeTotal + 1, 'AE total: the green one only');
    assert.equal((await breakdown(ae.page, 'by-tlp'))['TLP:RED'], aeByTlp['TLP:RED'], 'AE TLP:RED count');
    await dashboardTotal(bh.page);
    assert.equal(
      (await breakdown(bh.page, 'by-tlp'))['TLP:RED'],
      (bhByTlp['TLP:RED'] ?? 0) + 1,
      'BH TLP:RED count',
    );
    await assertAbsent(ae.page, red, secret, 'AE dashboard after reload');
    assert.equal(await ae.page.locator(`li.feed-item[data-id="${red.id}"]`).count(), 0);

    assert.deepEqual(bh.context.pageErrors, []);
    assert.deepEqual(ae.context.pageErrors, []);
  } finally {
    await bh.context.close();
    await ae.context.close();
  }
});
