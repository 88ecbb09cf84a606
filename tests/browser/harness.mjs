// What the browser end-to-end tests (e2e*.mjs) share: the command line
// (SITE_DIR [--out DIR]), the preconditions (built page, playwright-core,
// Debian's Chromium: missing pieces skip with exit code 77, or fail when
// scripts/test.sh sets METALAB_REQUIRE_BROWSER=1), serving the page, reading
// the app's window.metalab state, waiting, clicking the way ImGui sees it,
// screenshots, downloads and uploads, collecting page problems, and the
// summary + exit code at the end.
//
//   const h = harness({ script: 'e2e_labs.mjs', summaryFile: 'summary-labs.json', ... });
//   await h.run(async () => { const { url, browser } = await h.start(); ... h.check(ok, what, detail); });
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { decodePng } from './png.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const CHROMIUM = process.env.METALAB_CHROMIUM || '/usr/bin/chromium';
// scripts/test.sh sets METALAB_REQUIRE_BROWSER=1: there a missing piece is a failure, not a skip.
const SKIP = process.env.METALAB_REQUIRE_BROWSER === '1' ? 1 : 77;

export class TestFailure extends Error {}

// script: the test's file name (for the usage line); needs: files the built page
// must have; summaryFile: written to --out at the end; brief(status): what of
// the app's status a timeout prints (default: everything); ignoreAbortedRequests:
// downloads' blob URLs and fetches cut short by a reload are not page problems.
export function harness({ script, needs = ['index.html', 'app.js', 'app.wasm'], summaryFile = 'summary.json',
                          brief = null, ignoreAbortedRequests = false }) {
  // ---- arguments
  const args = process.argv.slice(2);
  let siteDir = null;
  let outDir = process.cwd();
  const usage = () => {
    console.error(`usage: node tests/browser/${script} SITE_DIR [--out DIR]`);
    process.exit(2);
  };
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--out') outDir = args[++i];
    else if (!siteDir) siteDir = args[i];
    else usage();
  }
  if (!siteDir) usage();
  siteDir = path.resolve(siteDir);
  outDir = path.resolve(outDir);
  mkdirSync(outDir, { recursive: true });

  // ---- preconditions
  for (const f of needs) {
    if (!existsSync(path.join(siteDir, f))) {
      console.error(`FAIL  ${path.join(siteDir, f)} is missing: build the page first (scripts/build-web.sh)`);
      process.exit(1);
    }
  }
  let chromium;
  try {
    ({ chromium } = require('playwright-core'));
  } catch (e) {
    console.error(`SKIP  playwright-core not found next to ${here} (run scripts/setup.sh): ${e.message}`);
    process.exit(SKIP);
  }
  if (!existsSync(CHROMIUM)) {
    console.error(`SKIP  ${CHROMIUM} not found (apt-get install chromium, or run scripts/setup.sh)`);
    process.exit(SKIP);
  }
  const { serve } = require(path.join(here, '..', '..', 'scripts', 'serve.js'));

  // ---- checks
  const checks = [];
  const check = (ok, what, detail = '') => {
    checks.push({ ok: !!ok, what, detail });
    console.log(`${ok ? 'ok  ' : 'FAIL'}  ${what}${detail ? ` (${detail})` : ''}`);
    if (!ok) throw new TestFailure(`${what}${detail ? `: ${detail}` : ''}`);
  };
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  // ---- the page's state (window.metalab, see web/shell/loader.js) and waiting for it
  const state = (page) => page.evaluate(() => {
    const m = window.metalab;
    const c = document.getElementById('canvas');
    const r = c.getBoundingClientRect();
    return {
      frames: m ? m.frames : 0,
      error: m ? m.error : null,
      status: m ? m.status : null,
      firstFrameMs: m ? m.firstFrameMs : null,
      assets: m ? m.assetsLoaded.slice() : [],
      hash: window.location.hash,
      canvas: { width: c.width, height: c.height, cssWidth: r.width, cssHeight: r.height },
      inner: { width: window.innerWidth, height: window.innerHeight, dpr: window.devicePixelRatio },
    };
  });
  // Polls fn(state) until it is truthy or the time runs out; an error shown in the page fails at once.
  const waitFor = async (page, what, fn, timeoutMs = 30000) => {
    const t0 = Date.now();
    let last;
    while (Date.now() - t0 < timeoutMs) {
      last = await state(page);
      if (last.error) throw new TestFailure(`the page shows an error while waiting for ${what}: ${last.error}`);
      if (last.status && fn(last)) return last;
      await sleep(50);
    }
    const shown = brief && last && last.status ? brief(last.status) : last;
    throw new TestFailure(`timed out after ${timeoutMs} ms waiting for ${what}; last state: ${JSON.stringify(shown)}`);
  };
  // Waits until `n` more frames have been drawn (so the screen shows the latest state).
  const waitFrames = async (page, n) => {
    const start = await page.evaluate(() => window.metalab.frames);
    return waitFor(page, `${n} more frames`, (s) => s.frames >= start + n);
  };
  // A click the way ImGui sees it: hover first, then press and release on later frames.
  const clickAt = async (page, x, y, button = 'left') => {
    await page.mouse.move(x, y);
    await waitFrames(page, 2);
    await page.mouse.down({ button });
    await waitFrames(page, 2);
    await page.mouse.up({ button });
    await waitFrames(page, 2);
  };
  const clickRect = (page, [x, y, w, h]) => clickAt(page, x + w / 2, y + h / 2);

  // ---- pictures, files
  const shot = async (page, name, clip) => {
    const file = path.join(outDir, name);
    const buf = await page.screenshot({ path: file, clip });
    return { file, img: decodePng(buf) };
  };
  // A margin inside a widget's rectangle keeps antialiased frame edges out of comparisons.
  const clipOf = ([x, y, w, h]) =>
    ({ x: Math.ceil(x + 2), y: Math.ceil(y + 2), width: Math.floor(w - 4), height: Math.floor(h - 4) });
  // Clicks a download button and saves the file in --out (its name prefixed): {file, name, size}.
  const download = async (page, rect, prefix = '') => {
    const promise = page.waitForEvent('download', { timeout: 20000 });
    await clickRect(page, rect);
    const dl = await promise;
    const name = dl.suggestedFilename();
    const file = path.join(outDir, prefix + name);
    await dl.saveAs(file);
    return { file, name, size: statSync(file).size };
  };
  // Hands a file (a path, or {name, mimeType, buffer}) to the page's upload input and
  // waits until the app has processed it.
  const upload = async (page, file) => {
    const n = (await state(page)).status.page.uploads;
    await page.setInputFiles('#upload', file);
    return waitFor(page, 'the upload to be processed', (x) => x.status.page.uploads === n + 1, 20000);
  };

  // ---- page problems: page errors, console errors, failed requests are all fatal
  const problems = [];
  const watch = (page, label) => {
    page.on('pageerror', (e) => problems.push(`${label}: page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`${label}: console error: ${m.text()}`);
    });
    page.on('requestfailed', (r) => {
      if (ignoreAbortedRequests && (r.url().startsWith('blob:') || r.failure()?.errorText === 'net::ERR_ABORTED')) return;
      problems.push(`${label}: request failed: ${r.url()} (${r.failure()?.errorText})`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`${label}: HTTP ${r.status()} for ${r.url()}`);
    });
  };
  const checkNoProblems = (when) =>
    check(problems.length === 0, `no page errors, console errors or failed requests ${when}`, problems.join('; '));

  // ---- serving and the browser
  const summary = { site: siteDir, screenshots: [] };
  let server = null, browser = null;
  const start = async () => {
    const s = await serve(siteDir, 0);
    server = s.server;
    console.log(`serving ${siteDir} at ${s.url}`);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking',
             '--disable-component-update', '--disable-sync', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
    });
    return { url: s.url, browser };
  };
  // Runs the test, writes the summary, closes everything and exits 0 (pass) or 1.
  const run = async (main) => {
    let code = 0;
    try {
      await main();
      console.log(`PASS  ${checks.length} checks; screenshots in ${outDir}`);
    } catch (e) {
      code = 1;
      if (!(e instanceof TestFailure)) console.error(`FAIL  unexpected error: ${e.stack || e}`);
      else if (!checks.length || checks[checks.length - 1].ok) console.error(`FAIL  ${e.message}`);
      if (problems.length) console.error(`      page problems: ${problems.join('; ')}`);
    } finally {
      summary.checks = checks;
      summary.passed = code === 0;
      writeFileSync(path.join(outDir, summaryFile), JSON.stringify(summary, null, 2) + '\n');
      if (browser) await browser.close().catch(() => {});
      if (server) server.close();
    }
    process.exit(code);
  };

  return { siteDir, outDir, summary, checks, check, sleep, state, waitFor, waitFrames, clickAt, clickRect, shot, clipOf,
           download, upload, watch, checkNoProblems, start, run };
}
