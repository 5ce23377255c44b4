// Text from objects is text: markup in a name is shown, never run; the pages forbid inline
// script by Content-Security-Policy.

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

const NAME = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** Directives of a Content-Security-Policy header, by name. */
function directives(policy) {
  const map = new Map();
  for (const part of policy.split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) map.set(name.toLowerCase(), values);
  }
  return map;
}

function assertStrictPolicy(response, where) {
  const policy = response.headers()['content-security-policy'];
  assert.ok(policy, `${where}: no Content-Security-Policy header`);
  const d = directives(policy);
  const scripts = d.get('script-src') ?? d.get('default-src');
  assert.ok(scripts, `${where}: neither script-src nor default-src in ${policy}`);
  assert.ok(!scripts.includes("'unsafe-inline'"), `${where}: ${policy}`);
  assert.ok(!scripts.includes("'unsafe-eval'"), `${where}: ${policy}`);
  assert.ok(!scripts.includes('*'), `${where}: ${policy}`);
}

async function assertNotRun(page, where) {
  assert.equal(await page.evaluate(() => typeof window.__pwned), 'undefined', where);
  assert.equal(await page.locator('img[src="x"]').count(), 0, `${where}: an <img> was made`);
  assert.equal(
    await page.locator('script:not([src])').count(),
    0,
    `${where}: an inline <script> element is in the page`,
  );
}

test('script is text: a name full of markup is shown as text, never run', async () => {
  const marker = uniqueWord('xss');
  const object = indicator({ name: NAME, description: `Markup in a name ${marker}`, tlp: 'green' });

  const { context, page } = await signedIn(browser, BH);
  try {
    // The live feed inserts it from the event stream (the page's own script).
    await openLiveDashboard(page);
    await postObjects(AE, [object]);
    const live = page.locator(`li.feed-item[data-id="${object.id}"]`);
    await live.waitFor({ timeout: WAIT });
    assert.ok((await live.innerText()).includes(NAME), `feed item: ${await live.innerText()}`);
    await assertNotRun(page, 'live feed');

    // The dashboard rendered by the server.
    let response = await page.goto('/ui/');
    assertStrictPolicy(response, 'dashboard');
    const rendered = page.locator(`li.feed-item[data-id="${object.id}"]`);
    assert.ok((await rendered.innerText()).includes(NAME));
    await assertNotRun(page, 'dashboard');

    // Search results.
    response = await page.goto(searchPath(marker));
    assertStrictPolicy(response, 'search');
    const hit = page.locator(`li.hit[data-id="${object.id}"]`);
    assert.ok((await hit.innerText()).includes(NAME), `hit: ${await hit.innerText()}`);
    await assertNotRun(page, 'search');

    // The object's page.
    response = await page.goto(objectPath(object.id));
    assert.equal(response.status(), 200);
    assertStrictPolicy(response, 'object page');
    assert.equal((await page.locator('h1').first().innerText()).trim(), NAME);
    await assertNotRun(page, 'object page');

    // The policy is on the sign-in page too (no session yet).
    const anonymous = await browser.newContext({ baseURL: process.env.TANSEEQ_URL });
    try {
      const p = await anonymous.newPage();
      assertStrictPolicy(await p.goto('/ui/login'), 'sign-in page');
    } finally {
      await anonymous.close();
    }
    assert.deepEqual(context.pageErrors, []);
  } finally {
    await context.close();
  }
});
