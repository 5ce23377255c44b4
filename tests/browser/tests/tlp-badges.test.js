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

// TODO: remove `todo` once the UI is fixed. Tlp::name() already says "TLP:GREEN"; the server's
// badge (layout::tlp_badge) and the feed script both prefix "TLP:" again and build the class
// `tlp-TLP:GREEN`, which no style matches, so feed, search and object-page badges read
// "TLP:TLP:GREEN" in black and white.
test('TLP badges read TLP:LEVEL once and carry the level\'s colour class', {
  todo: 'known UI fault: badges read TLP:TLP:GREEN without colour',
}, async () => {
  const marker = uniqueWord('badge');
  const objects = Object.keys(LEVELS).map((level) =>
    indicator({ name: `Badge ${level} ${marker}`, tlp: level }),
  );
  const { context, page } = await signedIn(browser, BH);
  try {
    // Inserted live by the page's script.
    await openLiveDashboard(page);
    await postObjects(BH, objects);
    for (const [i, level] of Object.keys(LEVELS).entries()) {
      const item = `li.feed-item[data-id="${objects[i].id}"]`;
      await page.locator(item).waitFor({ timeout: WAIT });
      const [badge] = await badges(page, item);
      assertBadge(badge, level, `live feed, ${level}`);
    }
    // Rendered by the server: the dashboard, search results, the object page.
    await page.goto('/ui/');
    for (const [i, level] of Object.keys(LEVELS).entries()) {
      const [badge] = await badges(page, `li.feed-item[data-id="${objects[i].id}"]`);
      assertBadge(badge, level, `dashboard, ${level}`);
    }
    await page.goto(searchPath(marker));
    for (const [i, level] of Object.keys(LEVELS).entries()) {
      const [badge] = await badges(page, `li.hit[data-id="${objects[i].id}"]`);
      assertBadge(badge, level, `search, ${level}`);
    }
    await page.goto(objectPath(objects[1].id));
    for (const badge of await badges(page, 'main')) assertBadge(badge, 'green', 'object page');
    // The dashboard's table by TLP names levels the same way.
    await page.goto('/ui/');
    const table = await badges(page, '#by-tlp');
    assert.ok(table.length > 0, 'badges in #by-tlp');
    for (const badge of table) assert.match(badge.text, /^TLP:(CLEAR|GREEN|AMBER|AMBER\+STRICT|RED)$/);
  } finally {
    await context.close();
  }
});
