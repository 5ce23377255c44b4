// Search: Arabic text whatever its diacritics, and observables by CIDR block.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  AE,
  BH,
  launch,
  signedIn,
  postObjects,
  campaign,
  indicator,
  uniqueWord,
  searchPath,
} from '../lib/harness.js';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** The ids of the results on the search page the browser is on. */
async function hitIds(page) {
  return page.locator('ol#results > li.hit').evaluateAll((hits) => hits.map((h) => h.dataset.id));
}

/** Searches through the page's own form, as a person would. */
async function searchWithForm(page, q) {
  const form = page.locator('form#search');
  await form.locator('input[name=q]').fill(q);
  await Promise.all([page.waitForNavigation(), form.locator('input[name=q]').press('Enter')]);
}

test('Arabic search: a name written with diacritics is found by the same words without them', async () => {
  const name = 'حَمْلَةُ التَّصَيُّدِ الاحتيالي';
  const marker = uniqueWord('wave');
  const object = campaign({
    name,
    description: `رَسَائِلُ بَرِيدٍ مُزَيَّفَةٌ تَنْتَحِلُ صِفَةَ وِزَارَةِ الدَّاخِلِيَّةِ (${marker})`,
    tlp: 'green',
  });
  await postObjects(BH, [object]);

  // The other organization searches, with the page's form, without diacritics.
  const { context, page } = await signedIn(browser, AE);
  try {
    await page.goto('/ui/search');
    await searchWithForm(page, 'حملة التصيد');
    assert.equal(new URL(page.url()).pathname, '/ui/search');
    assert.equal(new URL(page.url()).searchParams.get('q'), 'حملة التصيد');
    const ids = await hitIds(page);
    assert.ok(ids.includes(object.id), `${object.id} not among ${ids.length} results`);
    const hit = page.locator(`ol#results > li.hit[data-id="${object.id}"]`);
    assert.match(await hit.innerText(), /حَمْلَةُ التَّصَيُّدِ/);

    // Words of the description, with different diacritics and letter forms (taa marbuta
    // written as haa), and the query box keeps what was asked.
    await page.goto(searchPath('رسائل مزيفه'));
    assert.ok((await hitIds(page)).includes(object.id), 'found by description words');
    assert.equal(await page.locator('form#search input[name=q]').inputValue(), 'رسائل مزيفه');

    // Several words: each must occur.
    await page.goto(searchPath(`التصيد ${marker}`));
    assert.deepEqual(await hitIds(page), [object.id]);

    // A word nobody wrote: nothing, said so.
    await page.goto(searchPath(uniqueWord('nothing')));
    assert.equal(await page.locator('ol#results > li.hit').count(), 0);
    await page.locator('#no-results').waitFor({ state: 'visible' });

    // The result leads to the object's page.
    await page.goto(searchPath('حملة التصيد'));
    await Promise.all([
      page.waitForNavigation(),
      page.locator(`li.hit[data-id="${object.id}"] a.hit-link`).click(),
    ]);
    assert.match(new URL(page.url()).pathname, new RegExp(`/ui/object/[^/]+/[^/]+/${object.id}$`));
    assert.equal((await page.locator('h1').first().innerText()).trim(), name);
    for (const section of [
      '#properties',
      '#relationships',
      '#versions',
      '#markings',
      '#provenance',
      '#sightings',
    ]) {
      assert.equal(await page.locator(section).count(), 1, `object page has ${section}`);
    }
    assert.deepEqual(context.pageErrors, []);
  } finally {
    await context.close();
  }
});

test('observable search: an indicator of 198.51.100.7 is found by 198.51.100.0/24', async () => {
  const object = indicator({
    name: `C2 beacon ${uniqueWord()}`,
    pattern: "[ipv4-addr:value = '198.51.100.7']",
    tlp: 'green',
  });
  await postObjects(BH, [object]);

  const { context, page } = await signedIn(browser, AE);
  try {
    await page.goto(searchPath('198.51.100.0/24'));
    assert.ok((await hitIds(page)).includes(object.id), 'found by its /24');
    await page.goto(searchPath('198.51.100.7'));
    assert.ok((await hitIds(page)).includes(object.id), 'found by its address');
    await page.goto(searchPath('198.51.101.0/24'));
    assert.ok(!(await hitIds(page)).includes(object.id), 'not found by another block');
    assert.deepEqual(context.pageErrors, []);
  } finally {
    await context.close();
  }
});
