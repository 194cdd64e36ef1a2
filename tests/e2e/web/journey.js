'use strict';
// Drives one web journey in Debian's headless Chromium with playwright-core:
//   node journey.js <scenario.json> <result.json>
// scenario: {url, scenario: "journey" | "bad_uploads" | "expired" | "demo",
//            files: {PART: path}, outcome, landing, shots, name}
// result:   {finalUrl, params, events, screens, error}
// Every wait is bounded; the caller (web_journey_test) checks the result.
const fs = require('fs');
const os = require('os');
const path = require('path');
// Resolved from the real file behind Bazel's runfiles symlink, so the
// repository's node_modules (scripts/setup.sh) is found.
const { chromium } = require('playwright-core');

const WAIT_MS = 20000;
const [scenarioFile, resultFile] = process.argv.slice(2);
const s = JSON.parse(fs.readFileSync(scenarioFile, 'utf8'));
const result = { screens: [], events: [] };
let shot = 0;

async function snap(page, what) {
  shot += 1;
  const file = path.join(s.shots, `${s.name}-${String(shot).padStart(2, '0')}-${what}.png`);
  await page.screenshot({ path: file, fullPage: true });
}

// The journey's steps in `frame` (the page, or the demo page's iframe's frame),
// screenshotting `page` at each.
async function walk(page, frame) {
  const app = frame.locator('#app');
  for (let i = 0; i < 20; i++) {
    await app.locator('h1').waitFor({ timeout: WAIT_MS });
    const screen = await app.getAttribute('data-screen', { timeout: WAIT_MS });
    result.screens.push(screen);
    await snap(page, screen);
    if (screen === 'consent') {
      await frame.locator('#consent').check();
      await frame.locator('#next').click();
    } else if (screen.startsWith('part-')) {
      const part = screen.slice(5);
      const file = (s.files || {})[part];
      if (file) {
        await frame.locator('#file').setInputFiles(file);
      } else {
        await frame.locator('#sample').click();
      }
    } else if (screen === 'finish') {
      if (s.outcome) await frame.locator('#outcome').selectOption(s.outcome);
      await snap(page, 'outcome');
      await frame.locator('#finish').click();
      return;
    } else {
      return;
    }
    await frame.waitForFunction(
      (before) => document.querySelector('#app').getAttribute('data-screen') !== before ||
        document.querySelector('#app h1') === null,
      screen, { timeout: WAIT_MS });
  }
}

// Three files that are no image, on the first upload step.
async function badUploads(page) {
  await page.locator('#app h1').waitFor({ timeout: WAIT_MS });
  if (await page.locator('#consent').count()) {
    await page.locator('#consent').check();
    await page.locator('#next').click();
  }
  for (let i = 1; i <= 3; i++) {
    await page.locator('#file').waitFor({ timeout: WAIT_MS });
    await page.locator('#file').setInputFiles({
      name: `scan-${i}.txt`, mimeType: 'text/plain', buffer: Buffer.from('not an image'),
    });
    if (i < 3) {
      await page.locator('#status.error').filter({ hasText: `${i}` }).waitFor({ timeout: WAIT_MS });
      await snap(page, `rejected-${i}`);
    }
  }
}

async function landed(page) {
  await page.waitForURL((u) => u.href.startsWith(s.landing), { timeout: WAIT_MS });
  await page.locator('#params tbody tr').first().waitFor({ timeout: WAIT_MS });
  await snap(page, 'landing');
  const u = new URL(page.url());
  result.finalUrl = u.href;
  result.params = Object.fromEntries(u.searchParams.entries());
}

async function main() {
  const profile = fs.mkdtempSync(path.join(process.env.TEST_TMPDIR || os.tmpdir(), 'chromium-'));
  // A new empty profile (playwright passes it as --user-data-dir).
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    timeout: WAIT_MS,
    // A phone-sized viewport: the journey must be usable there.
    viewport: { width: 390, height: 780 },
    // Without the background-networking flags Chromium's own connections
    // to the outside are refused by the closed network, many at a time.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = context.pages()[0] || await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    page.on('pageerror', (e) => { result.pageErrors = (result.pageErrors || []).concat(String(e)); });
    await page.goto(s.url, { timeout: WAIT_MS });
    if (s.scenario === 'journey') {
      await walk(page, page);
    } else if (s.scenario === 'bad_uploads') {
      await badUploads(page);
    } else if (s.scenario === 'demo') {
      await page.setViewportSize({ width: 1000, height: 900 });
      const frame = await (await page.locator('#journey').elementHandle()).contentFrame();
      await walk(page, frame);
      await page.waitForFunction(
        () => window.sandboxEvents.some((e) => e.payload && e.payload.value === 'success'),
        null, { timeout: WAIT_MS });
      await frame.locator('#params tbody tr').first().waitFor({ timeout: WAIT_MS });
      await snap(page, 'events');
      result.events = await page.evaluate(() => window.sandboxEvents);
      result.finalUrl = frame.url();
      result.params = Object.fromEntries(new URL(result.finalUrl).searchParams.entries());
    }
    if (s.scenario !== 'demo') await landed(page);
  } finally {
    await context.close();
  }
}

main().then(
  () => fs.writeFileSync(resultFile, JSON.stringify(result)),
  (e) => {
    result.error = String(e && e.stack || e);
    fs.writeFileSync(resultFile, JSON.stringify(result));
  });
