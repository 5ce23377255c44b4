// What every browser test shares: the node that tests/browser/run.sh started (from the
// environment), Chromium, signing in, and STIX objects posted through TAXII.

import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run the browser tests through tests/browser/run.sh`);
  }
  return value;
}

export const BASE = required('TANSEEQ_URL');
export const API_ROOT = process.env.TANSEEQ_API_ROOT || 'api';
export const COLLECTION = required('TANSEEQ_COLLECTION');
export const PASSWORD = required('TANSEEQ_PASSWORD');
export const SCREENSHOTS =
  process.env.TANSEEQ_SCREENSHOTS ||
  fileURLToPath(new URL('../../../target/browser-screenshots', import.meta.url));

/** The two organizations' analysts (run.sh made them; both read and write COLLECTION). */
export const BH = { user: 'analyst-bh', password: PASSWORD, org: 'BH CERT' };
export const AE = { user: 'analyst-ae', password: PASSWORD, org: 'AE Police' };
/** BH CERT's admin (made by `tanseeq init`). */
export const ADMIN = {
  user: process.env.TANSEEQ_ADMIN || 'admin',
  password: required('TANSEEQ_ADMIN_PASSWORD'),
  org: 'BH CERT',
};

export const TAXII = 'application/taxii+json;version=2.1';

/** TLP 2.0 marking-definition ids. */
export const TLP = {
  clear: 'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487',
  green: 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb',
  amber: 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421',
  red: 'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1',
};

/** Generous waits: the machine has two cores and may be building at the same time. */
export const WAIT = 15_000;

// --- Chromium -------------------------------------------------------------------------------

/**
 * Debian's Chromium, headless. The flags keep it off the network (the machine has none
 * besides loopback; without them Chromium keeps trying) and let it run as root.
 */
export function launch() {
  return chromium.launch({
    executablePath: process.env.TANSEEQ_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

/**
 * A fresh browser context (its own cookies and storage). Uncaught errors of the pages'
 * script and Content-Security-Policy violations are collected in `context.pageErrors`.
 */
export async function newContext(browser, options = {}) {
  const context = await browser.newContext({
    baseURL: BASE,
    locale: 'en-US',
    viewport: { width: 1366, height: 900 },
    ...options,
  });
  context.setDefaultTimeout(WAIT);
  context.pageErrors = [];
  context.on('page', (page) => watchErrors(context, page));
  return context;
}

function watchErrors(context, page) {
  page.on('pageerror', (error) => context.pageErrors.push(String(error)));
  // Whatever the page's own Content-Security-Policy refused (an inline script or style, a
  // resource from elsewhere) is a fault of the page: it would silently not work.
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) {
      context.pageErrors.push(`${page.url()}: ${message.text()}`);
    }
  });
}

/** A new page of a context, its errors watched. */
export async function newPage(context) {
  const page = await context.newPage();
  return page;
}

/** Signs in on the sign-in page the browser is on (or goes there first). */
export async function fillSignIn(page, who) {
  if (!new URL(page.url(), BASE).pathname.startsWith('/ui/login')) {
    await page.goto('/ui/login');
  }
  const form = page.locator('form#login');
  await form.locator('input[name=username]').fill(who.user);
  await form.locator('input[name=password]').fill(who.password);
  await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    form.locator('button[type=submit]').click(),
  ]);
}

/** Signs in and waits for the dashboard (or whichever page `next` named). */
export async function signIn(page, who) {
  await fillSignIn(page, who);
  assert.ok(
    !new URL(page.url()).pathname.startsWith('/ui/login'),
    `signing in as ${who.user} stayed on ${page.url()}: ${await errorText(page)}`,
  );
}

/** A signed-in page of a fresh context, on the dashboard. */
export async function signedIn(browser, who, options = {}) {
  const context = await newContext(browser, options);
  const page = await newPage(context);
  await page.goto('/ui/login');
  await signIn(page, who);
  return { context, page };
}

export async function signOut(page) {
  await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    page.locator('form#logout [type=submit]').first().click(),
  ]);
}

/** Switches the interface language with the language switch. */
export async function switchLanguage(page, lang) {
  // The button of the language already shown is disabled.
  if ((await page.locator('html').getAttribute('lang')) === lang) return;
  await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    page.locator(`form#lang-form button[name=lang][value=${lang}]`).click(),
  ]);
  await page.waitForFunction((l) => document.documentElement.lang === l, lang);
}

/**
 * Opens the dashboard and waits until its EventSource on /ui/events is connected; marks the
 * document, so that `sameDocument(page)` tells whether it was reloaded since.
 */
export async function openLiveDashboard(page) {
  const connected = page.waitForResponse(
    (r) => new URL(r.url()).pathname === '/ui/events' && r.status() === 200,
  );
  await page.goto('/ui/');
  await connected;
  await page.evaluate(() => {
    window.__sameDocument = true;
  });
}

export function sameDocument(page) {
  return page.evaluate(() => window.__sameDocument === true);
}

async function errorText(page) {
  const error = page.locator('.error');
  return (await error.count()) ? (await error.first().innerText()).trim() : '(no .error)';
}

export function screenshotPath(name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return path.join(SCREENSHOTS, name);
}

/** The number in an element's text (ASCII or Arabic-Indic digits, any separators). */
export function parseCount(text) {
  const ascii = text
    .replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660))
    .replace(/[\u06f0-\u06f9]/g, (d) => String(d.charCodeAt(0) - 0x06f0));
  const digits = ascii.replace(/[^0-9]/g, '');
  assert.ok(digits.length > 0, `no number in ${JSON.stringify(text)}`);
  return Number(digits);
}

/** The dashboard's total, read after loading it afresh. */
export async function dashboardTotal(page) {
  await page.goto('/ui/');
  return parseCount(await page.locator('#total').innerText());
}

/** A dashboard breakdown table (`#by-tlp`, `#by-type`, `#by-partner`) as {label: count}. */
export async function breakdown(page, id) {
  const rows = await page.locator(`table#${id} tbody tr`).evaluateAll((trs) =>
    trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim())),
  );
  return Object.fromEntries(rows.map(([label, count]) => [label, parseCount(count)]));
}

// --- UI addresses ---------------------------------------------------------------------------

export function objectPath(id, collection = COLLECTION) {
  return `/ui/object/${API_ROOT}/${collection}/${id}`;
}

export function searchPath(q) {
  return `/ui/search?q=${encodeURIComponent(q)}`;
}

// --- TAXII ----------------------------------------------------------------------------------

function basic(who) {
  return 'Basic ' + Buffer.from(`${who.user}:${who.password}`).toString('base64');
}

function objectsUrl(collection = COLLECTION) {
  return `${BASE}/${API_ROOT}/collections/${collection}/objects/`;
}

/** POSTs objects as `who` and insists every one was stored; returns the status resource. */
export async function postObjects(who, objects, collection = COLLECTION) {
  const response = await fetch(objectsUrl(collection), {
    method: 'POST',
    headers: {
      Authorization: basic(who),
      Accept: TAXII,
      'Content-Type': TAXII,
    },
    body: JSON.stringify({ objects }),
  });
  const body = await response.text();
  assert.equal(response.status, 202, `POST objects as ${who.user}: ${body}`);
  const status = JSON.parse(body);
  assert.equal(status.status, 'complete', body);
  assert.equal(status.success_count, objects.length, body);
  return status;
}

/** GET one object as `who`: the objects of its envelope (every version), or null on 404. */
export async function getObject(who, id, collection = COLLECTION) {
  const response = await fetch(`${objectsUrl(collection)}${id}/`, {
    headers: { Authorization: basic(who), Accept: TAXII },
  });
  if (response.status === 404) return null;
  const body = await response.text();
  assert.equal(response.status, 200, `GET ${id} as ${who.user}: ${body}`);
  return JSON.parse(body).objects ?? [];
}

// --- STIX objects ---------------------------------------------------------------------------

export function now() {
  return new Date().toISOString();
}

export function stixId(type) {
  return `${type}--${randomUUID()}`;
}

/** A STIX 2.1 indicator; `tlp` is a key of TLP (or null for none). */
export function indicator({ name, description, pattern, tlp = 'green', labels }) {
  const at = now();
  const object = {
    type: 'indicator',
    spec_version: '2.1',
    id: stixId('indicator'),
    created: at,
    modified: at,
    name,
    pattern: pattern ?? `[ipv4-addr:value = '203.0.113.${1 + Math.floor(Math.random() * 250)}']`,
    pattern_type: 'stix',
    valid_from: at,
  };
  if (description !== undefined) object.description = description;
  if (labels) object.indicator_types = labels;
  if (tlp) object.object_marking_refs = [TLP[tlp]];
  return object;
}

/** A STIX 2.1 campaign (a named SDO without a pattern). */
export function campaign({ name, description, tlp = 'green' }) {
  const at = now();
  const object = {
    type: 'campaign',
    spec_version: '2.1',
    id: stixId('campaign'),
    created: at,
    modified: at,
    name,
  };
  if (description !== undefined) object.description = description;
  if (tlp) object.object_marking_refs = [TLP[tlp]];
  return object;
}

/** A word no other object of the node contains, to search for. */
export function uniqueWord(prefix = 'marker') {
  return `${prefix}${randomUUID().replaceAll('-', '').slice(0, 12)}`;
}

/** Polls `check` (async, returns truthy when done) until it is or `timeout` ms pass. */
export async function eventually(check, what, timeout = WAIT) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    last = await check();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
