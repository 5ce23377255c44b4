// Submitting an indicator: live pattern validation, storage through to TAXII, and a form that
// survives an expired session.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  AE,
  BH,
  COLLECTION,
  TLP,
  launch,
  signedIn,
  signIn,
  getObject,
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

const form = (page) => page.locator('form#submit-indicator');
const field = (page, name) => form(page).locator(`[name="${name}"]`);

/** Picks the option of a select whose value or label names `wanted` (case-insensitive). */
async function selectLike(select, wanted) {
  const options = await select
    .locator('option')
    .evaluateAll((os) => os.map((o) => ({ value: o.value, label: o.textContent.trim() })));
  const like = (text) => text.toLowerCase().includes(wanted.toLowerCase());
  const hit =
    options.find((o) => o.value === wanted) ??
    options.find((o) => like(o.value)) ??
    options.find((o) => like(o.label));
  assert.ok(hit, `no option like ${wanted} in ${JSON.stringify(options)}`);
  await select.selectOption(hit.value);
  return hit.value;
}

/** Waits until #pattern-status has `cls` (ok or invalid) and returns its text. */
async function patternStatus(page, cls) {
  const status = page.locator('#pattern-status');
  await page.waitForFunction(
    (c) => document.querySelector('#pattern-status')?.classList.contains(c),
    cls,
    { timeout: WAIT },
  );
  return (await status.innerText()).trim();
}

async function submitForm(page) {
  const [response] = await Promise.all([
    page.waitForNavigation(),
    form(page).locator('[type=submit]').first().click(),
  ]);
  return response;
}

test('submit: the pattern is checked as it is typed; a valid indicator is stored', async () => {
  const { context, page } = await signedIn(browser, BH);
  try {
    await page.goto('/ui/submit');
    const pattern = field(page, 'pattern');

    // Invalid, typed key by key: marked invalid before anything is submitted.
    await pattern.pressSequentially("[ipv4-addr:value = '10.0.0.1'", { delay: 5 });
    const invalid = await patternStatus(page, 'invalid');
    assert.ok(invalid.length > 0, 'an invalid pattern says why');
    assert.equal(new URL(page.url()).pathname, '/ui/submit', 'nothing was submitted');

    // Completed: ok.
    await pattern.press("]");
    await patternStatus(page, 'ok');
    assert.ok(
      !(await page.locator('#pattern-status').getAttribute('class')).includes('invalid'),
      'ok and invalid at once',
    );

    // Broken again with fill (one input event), then replaced by a valid one.
    await pattern.fill("[ipv4-addr:value = '10.0.0.1'] AND");
    await patternStatus(page, 'invalid');
    const value = `[ipv4-addr:value = '198.51.100.${20 + Math.floor(Math.random() * 200)}']`;
    await pattern.fill(value);
    await patternStatus(page, 'ok');

    const name = `Exfiltration server ${uniqueWord()}`;
    await field(page, 'name').fill(name);
    await field(page, 'description').fill('خادم تسريب بيانات رُصد في حادثة البنك');
    await selectLike(field(page, 'tlp'), 'amber');
    await selectLike(field(page, 'collection'), COLLECTION);
    const response = await submitForm(page);
    assert.ok(response.status() < 400, `submit answered ${response.status()}`);

    const notice = page.locator('.notice');
    await notice.waitFor({ state: 'visible' });
    const idHolder = notice.locator('[data-id]').or(page.locator('.notice[data-id]')).first();
    const id = await idHolder.getAttribute('data-id');
    assert.match(id, /^indicator--[0-9a-f-]{36}$/);

    const stored = await getObject(BH, id);
    assert.ok(stored?.length, `GET ${id} through TAXII`);
    const object = stored.at(-1);
    assert.equal(object.name, name);
    assert.equal(object.pattern, value);
    assert.equal(object.pattern_type, 'stix');
    assert.equal(object.description, 'خادم تسريب بيانات رُصد في حادثة البنك');
    assert.deepEqual(object.object_marking_refs, [TLP.amber]);
    // TLP:AMBER reaches the other organization of the collection.
    assert.ok((await getObject(AE, id))?.length, 'AE reads the TLP:AMBER indicator');
    assert.deepEqual(context.pageErrors, []);
  } finally {
    await context.close();
  }
});

test('expired session: the half-filled form comes back after signing in again', async () => {
  const { context, page } = await signedIn(browser, AE);
  try {
    await page.goto('/ui/submit');
    const values = {
      name: `Ransomware drop site ${uniqueWord()}`,
      description: 'موقع تسريب لمجموعة فدية — https://leak.example.net/ae',
      pattern: "[domain-name:value = 'leak.example.net']",
    };
    for (const [name, value] of Object.entries(values)) await field(page, name).fill(value);
    const tlp = await selectLike(field(page, 'tlp'), 'green');
    await patternStatus(page, 'ok');

    // The session ends (its cookie is gone), then the analyst presses submit.
    const cookies = await context.cookies();
    const session = cookies.filter((c) => /sess/i.test(c.name));
    assert.ok(session.length, `a session cookie among ${cookies.map((c) => c.name)}`);
    for (const c of session) await context.clearCookies({ name: c.name });
    await submitForm(page);
    assert.equal(new URL(page.url()).pathname, '/ui/login', `landed on ${page.url()}`);

    await signIn(page, AE);
    assert.equal(new URL(page.url()).pathname, '/ui/submit', `back on ${page.url()}`);
    for (const [name, value] of Object.entries(values)) {
      await page.waitForFunction(
        ([n, v]) =>
          document.querySelector(`form#submit-indicator [name="${n}"]`)?.value === v,
        [name, value],
        { timeout: WAIT },
      );
    }
    assert.equal(await field(page, 'tlp').inputValue(), tlp);

    // And it can be sent now.
    await submitForm(page);
    const id = await page.locator('.notice [data-id], .notice[data-id]').first().getAttribute('data-id');
    const stored = await getObject(AE, id);
    assert.equal(stored?.at(-1)?.name, values.name);
    assert.deepEqual(context.pageErrors, []);
  } finally {
    await context.close();
  }
});
