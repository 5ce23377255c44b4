// TLP badges: "TLP:GREEN" (once), coloured by level, alike whether the server rendered the
// item or the live feed's script inserted it.

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

const LEVELS = { clear: 'CLEAR', green: 'GREEN', amber: 'AMBER', red: 'RED' };

/** Every TLP badge inside `scope` of the page: its text and classes. */
async function badges(page, scope) {
  return page
    .locator(`${scope} .tlp:not(.tlp-none)`)
    .evaluateAll((els) => els.map((e) => ({ text: e.textContent.trim(), classes: [...e.classList] })));
}

function assertBadge(badge, level, where) {
  assert.equal(badge.text, `TLP:${LEVELS[level]}`, `${where}: badge text`);
  assert.ok(badge.classes.includes(`tlp-${level}`), `${where}: classes ${badge.classes}`);
}

/** One indicator per level, posted by BH CERT. */
function objectsFor(marker) {
  return Object.keys(LEVELS).map((level) => indicator({ name: `Badge ${level} ${marker}`, tlp: level }));
}

test('TLP badges rendered by the server read TLP:LEVEL once, coloured by level', async () => {
  const marker = uniqueWord('badge');
  const objects = objectsFor(marker);
  await postObjects(BH, objects);
  const { context, page } = await signedIn(browser, AE);
  try {
    await page.goto('/ui/');
    for (const [i, level] of Object.keys(LEVELS).entries()) {
      if (level === 'red') continue; // AE Police does not see BH CERT's TLP:RED
      const [badge] = await badges(page, `li.feed-item[data-id="${objects[i].id}"]`);
      assertBadge(badge, level, `dashboard, ${level}`);
    }
    await page.goto(searchPath(marker));
    for (const [i, level] of Object.keys(LEVELS).entries()) {
      if (level === 'red') continue;
      const [badge] = await badges(page, `li.hit[data-id="${objects[i].id}"]`);
      assertBadge(badge, level, `search, ${level}`);
    }
    await page.goto(objectPath(objects[1].id));
    const onObjectPage = await badges(page, 'main');
    assert.ok(onObjectPage.length > 0, 'badges on the object page');
    for (const badge of onObjectPage) assertBadge(badge, 'green', 'object page');
    // The dashboard's table by TLP names levels the same way.
    await page.goto('/ui/');
    const table = await badges(page, '#by-tlp');
    assert.ok(table.length > 0, 'badges in #by-tlp');
    for (const badge of table) assert.match(badge.text, /^TLP:(CLEAR|GREEN|AMBER|AMBER\+STRICT|RED)$/);
  } finally {
    await context.close();
  }
});

// The live event's `tlp` is "TLP:GREEN" (Tlp::name); the feed script once prefixed "TLP:"
// again and built the class `tlp-TLP:GREEN`, which no style matches.
test('TLP badges of the live feed read TLP:LEVEL once, coloured by level', async () => {
  const objects = objectsFor(uniqueWord('badge'));
  const { context, page } = await signedIn(browser, BH);
  try {
    await openLiveDashboard(page);
    await postObjects(BH, objects);
    for (const [i, level] of Object.keys(LEVELS).entries()) {
      const item = `li.feed-item[data-id="${objects[i].id}"]`;
      await page.locator(item).waitFor({ timeout: WAIT });
      const [badge] = await badges(page, item);
      assertBadge(badge, level, `live feed, ${level}`);
    }
  } finally {
    await context.close();
  }
});
