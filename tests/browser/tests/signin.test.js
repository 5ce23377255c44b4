// Signing in, and the interface's two languages: Arabic right to left.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  ADMIN,
  BH,
  launch,
  newContext,
  newPage,
  fillSignIn,
  signIn,
  signOut,
  signedIn,
  switchLanguage,
} from '../lib/harness.js';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test('sign-in: a wrong password shows an error and stays on sign-in; the right one opens the dashboard', async () => {
  const context = await newContext(browser);
  try {
    const page = await newPage(context);

    // Unauthenticated: / goes to the interface, which asks for a sign-in.
    await page.goto('/');
    let url = new URL(page.url());
    assert.equal(url.pathname, '/ui/login', `/ led to ${page.url()}`);
    assert.ok(url.searchParams.get('next')?.startsWith('/ui'), `next: ${url.search}`);
    await page.goto('/ui/search?q=x');
    url = new URL(page.url());
    assert.equal(url.pathname, '/ui/login');
    assert.equal(url.searchParams.get('next'), '/ui/search?q=x');
    await page.goto('/ui/login');

    // Wrong password: 401, an error, still the sign-in form. (Only one wrong attempt in the
    // whole suite: the node slows sign-ins down after three failures from one address.)
    const form = page.locator('form#login');
    await form.locator('input[name=username]').fill(BH.user);
    await form.locator('input[name=password]').fill('not-the-password-at-all');
    const [failed] = await Promise.all([
      page.waitForNavigation(),
      form.locator('button[type=submit]').click(),
    ]);
    assert.equal(failed.status(), 401);
    assert.equal(new URL(page.url()).pathname, '/ui/login');
    await page.locator('.error').first().waitFor({ state: 'visible' });
    assert.ok((await page.locator('.error').first().innerText()).trim().length > 0);
    assert.equal(await page.locator('form#login').count(), 1);
    assert.equal(await page.locator('#feed').count(), 0, 'no dashboard after a wrong password');
    assert.ok(
      !(await context.cookies()).some((c) => /session/i.test(c.name) && c.value),
      'no session cookie after a wrong password',
    );

    // Right password: the dashboard.
    await signIn(page, BH);
    assert.match(new URL(page.url()).pathname, /^\/ui\/?$/);
    await page.locator('ul#feed').waitFor({ state: 'attached' });
    await page.locator('#total').waitFor();
    for (const part of ['table#by-tlp', 'table#by-type', 'table#by-partner', 'svg#chart']) {
      assert.equal(await page.locator(part).count(), 1, `the dashboard has ${part}`);
    }
    assert.equal(await page.locator('form#login').count(), 0);

    // An analyst's navigation: no administration, which is refused.
    const links = await page.locator('nav#nav a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    for (const href of ['/ui/search', '/ui/submit', '/ui/partners']) {
      assert.ok(links.includes(href), `nav#nav links to ${href}: ${links}`);
    }
    assert.ok(links.some((h) => /^\/ui\/?$/.test(h)), `nav#nav links to the dashboard: ${links}`);
    assert.ok(!links.includes('/ui/admin'), 'an analyst is not offered administration');
    const admin = await page.goto('/ui/admin');
    assert.ok([403, 404].includes(admin.status()), `/ui/admin for an analyst: ${admin.status()}`);
    assert.deepEqual(context.pageErrors, []);
  } finally {
    await context.close();
  }
});

test('sign-out ends the session on the node, not only in the browser', async () => {
  const { context, page } = await signedIn(browser, BH);
  try {
    const session = (await context.cookies()).filter((c) => /sess/i.test(c.name));
    assert.ok(session.length, 'a session cookie');
    await signOut(page);
    assert.equal(new URL(page.url()).pathname, '/ui/login');
    await page.goto('/ui/');
    assert.equal(new URL(page.url()).pathname, '/ui/login', 'signed out');

    // The old cookie, put back, opens nothing.
    await context.addCookies(session);
    await page.goto('/ui/');
    assert.equal(new URL(page.url()).pathname, '/ui/login', 'the old session cookie still works');
    const events = await page.request.get('/ui/events', { maxRedirects: 0 });
    assert.ok([401, 302, 303].includes(events.status()), `/ui/events: ${events.status()}`);
  } finally {
    await context.close();
  }
});

test('sign-in: after signing in the browser is sent back where it was going (next)', async () => {
  const context = await newContext(browser);
  try {
    const page = await newPage(context);
    await page.goto('/ui/partners');
    assert.equal(new URL(page.url()).pathname, '/ui/login');
    await signIn(page, BH);
    assert.equal(new URL(page.url()).pathname, '/ui/partners');
  } finally {
    await context.close();
  }
});

/** Labels of the navigation, in order. */
async function navLabels(page) {
  return page.locator('nav#nav a').allInnerTexts();
}

const ARABIC = /[\u0600-\u06ff]/;

test('RTL: Arabic is right to left and mirrored, remembered for the user, and offered before sign-in', async () => {
  // The admin (an account no other test signs in with), so that its language does not leak
  // into other tests; switched back to English at the end.
  const admin = ADMIN;
  const { context, page } = await signedIn(browser, admin);
  try {
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    assert.equal(await page.locator('html').getAttribute('dir'), 'ltr');
    const english = await navLabels(page);
    assert.ok(english.length >= 4, `nav#nav links: ${english}`);
    assert.ok(!english.some((l) => ARABIC.test(l)), `English labels: ${english}`);
    assert.ok(await page.locator('nav#nav a[href="/ui/admin"]').count(), 'an admin sees Admin');

    await switchLanguage(page, 'ar');
    assert.equal(await page.locator('html').getAttribute('lang'), 'ar');
    assert.equal(await page.locator('html').getAttribute('dir'), 'rtl');
    const arabic = await navLabels(page);
    assert.equal(arabic.length, english.length);
    for (const label of arabic) assert.match(label, ARABIC, `Arabic nav label: ${label}`);

    // Mirrored: the navigation reads from the right.
    const items = page.locator('nav#nav a');
    const first = await items.first().boundingBox();
    const last = await items.last().boundingBox();
    assert.ok(first && last, 'nav links are laid out');
    assert.ok(
      first.x > last.x,
      `first nav item (x=${first.x}) should be right of the last (x=${last.x})`,
    );
    // So does the page's text.
    const direction = await page.evaluate(() => getComputedStyle(document.body).direction);
    assert.equal(direction, 'rtl');

    // Remembered for the user: sign out, sign in again (a fresh browser too).
    await signOut(page);
    assert.equal(new URL(page.url()).pathname, '/ui/login');
    await fillSignIn(page, admin);
    assert.equal(await page.locator('html').getAttribute('lang'), 'ar');
    assert.equal(await page.locator('html').getAttribute('dir'), 'rtl');
    const other = await signedIn(browser, admin);
    try {
      assert.equal(await other.page.locator('html').getAttribute('dir'), 'rtl');
    } finally {
      await other.context.close();
    }

    await switchLanguage(page, 'en');
    assert.equal(await page.locator('html').getAttribute('dir'), 'ltr');
    assert.deepEqual(await navLabels(page), english);
    assert.deepEqual(context.pageErrors, []);
  } finally {
    await context.close();
  }

  // Before sign-in, the browser's language decides (Accept-Language).
  for (const [locale, lang, dir] of [
    ['ar', 'ar', 'rtl'],
    ['ar-BH', 'ar', 'rtl'],
    ['en-GB', 'en', 'ltr'],
  ]) {
    const anonymous = await newContext(browser, { locale });
    try {
      const page = await newPage(anonymous);
      await page.goto('/ui/login');
      assert.equal(await page.locator('html').getAttribute('lang'), lang, locale);
      assert.equal(await page.locator('html').getAttribute('dir'), dir, locale);
      const button = await page.locator('form#login button[type=submit]').innerText();
      assert.equal(ARABIC.test(button), lang === 'ar', `sign-in button for ${locale}: ${button}`);
    } finally {
      await anonymous.close();
    }
  }
});
