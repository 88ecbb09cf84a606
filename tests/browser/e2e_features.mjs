// Browser end-to-end test of what the page needs from the browser's WebAssembly.
//
//   node tests/browser/e2e_features.mjs SITE_DIR [--out DIR]
//
// app.wasm is built with WebAssembly SIMD and exception handling; loader.js
// asks wasm-feature-detect (npm, copied into the site) before loading it.
//   1. wasm + js stay under 4.5 MB before compression (the budget: the engine,
//      the UI, the string tables of two languages and the Chinese glyphs);
//   2. in Chromium (which has both) the page reports both features and draws
//      frames; the first-frame time goes into the summary (reported, not judged:
//      timing belongs to benchmarks);
//   3. a browser whose WebAssembly rejects SIMD (WebAssembly.validate refuses
//      any module with a SIMD opcode, as an old browser does) gets a readable
//      message naming SIMD and the browser versions that work, app.js is never
//      run, and no frame is drawn (no blank canvas).
// Summary: summary-features.json in --out. Exit codes as tests/browser/harness.mjs.
import { statSync } from 'node:fs';
import path from 'node:path';

import { harness } from './harness.mjs';

const h = harness({ script: 'e2e_features.mjs', needs: ['index.html', 'app.js', 'app.wasm', 'wasm-feature-detect.js'],
                    summaryFile: 'summary-features.json' });
const { summary, check, waitFor, watch, checkNoProblems, sleep } = h;
const MB = 1000 * 1000;
// 4 MB until the Chinese glyphs (100 KB) and the second string table came in (issue 16).
const MAX_BYTES = 4.5 * MB;

async function main() {
  // ---- 1. size
  const bytes = ['app.js', 'app.wasm'].reduce((n, f) => n + statSync(path.join(h.siteDir, f)).size, 0);
  summary.wasm_js_bytes = bytes;
  check(bytes < MAX_BYTES, `app.wasm + app.js stay under ${MAX_BYTES / MB} MB before compression`, `${(bytes / MB).toFixed(2)} MB`);

  const s = await h.start();
  const { browser } = s;

  // ---- 2. a browser with SIMD and exceptions
  {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    watch(page, 'page');
    await page.goto(s.url, { waitUntil: 'load' });
    const st = await waitFor(page, 'the first frames', (x) => x.frames >= 3, 60000);
    const features = await page.evaluate(() => window.metalab.features);
    summary.features = features;
    summary.first_frame_ms = st.firstFrameMs;
    check(features && features.simd === true && features.exceptions === true,
          'the page finds WebAssembly SIMD and exceptions in Chromium', JSON.stringify(features));
    check(await page.locator('#overlay').isHidden(), 'no message covers the canvas');
    checkNoProblems('while loading');
    console.log(`      first frame ${st.firstFrameMs} ms after navigation start`);
    await context.close();
  }

  // ---- 3. a browser without SIMD
  {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript(() => {
      const validate = WebAssembly.validate.bind(WebAssembly);
      // 0xfd is the prefix byte of every SIMD instruction: such a browser does not know it.
      WebAssembly.validate = (buf) => (new Uint8Array(buf.buffer || buf).includes(0xfd) ? false : validate(buf));
    });
    const page = await context.newPage();
    page.on('console', () => {});  // loader.js logs the error it shows; that is the expected outcome here
    await page.goto(s.url, { waitUntil: 'load' });
    let m = null;
    for (let i = 0; i < 100 && !(m && m.error); i++) {
      await sleep(50);
      m = await page.evaluate(() => ({ error: window.metalab.error, frames: window.metalab.frames,
                                       features: window.metalab.features }));
    }
    summary.without_simd = m;
    check(m && m.features && m.features.simd === false && m.features.exceptions === true,
          'without SIMD the page sees that (and still sees exceptions)', JSON.stringify(m && m.features));
    const text = await page.locator('#overlay').innerText();
    check(await page.locator('#overlay').isVisible() && /SIMD/.test(text) && /Chrome/.test(text) && /Safari 16\.4/.test(text),
          'a visible message names SIMD and the browsers that have it', JSON.stringify(text));
    await sleep(500);
    // (index.html preloads app.js and app.wasm; what matters is that they never run.)
    const ran = await page.evaluate(() => ({ frames: window.metalab.frames, main: window.metalab.mainMs !== undefined,
                                             script: !!document.querySelector('script[src="app.js"]') }));
    check(ran.frames === 0 && !ran.main && !ran.script, 'app.js is never run and no frame is drawn', JSON.stringify(ran));
    await context.close();
  }
}

h.run(main);
