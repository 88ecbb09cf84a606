// Browser end-to-end test of the regression lab, the gene lab and the page
// features around them (URL state, checkpoints, training budget), in Debian's
// headless Chromium.
//
//   node tests/browser/e2e_labs.mjs SITE_DIR [--out DIR]
//
// Checks, each with a clear message on failure:
//   1. (the download's size is e2e_features.mjs's check; its bytes go into the summary here too);
//   2. the regression lab loads from #view=regression with no page or console
//      error, its first frame comes within 2 s of navigation, the canvas is not
//      blank, and the shipped checkpoint is loaded;
//   3. clicking in the adaptation plot adds a support point and changes the
//      adapted curve (predictions checksum and pixels); right-click removes it;
//   4. the adaptation-step slider changes the curve (loss at the step, pixels);
//   5. Space starts training and the iteration counter advances over two seconds;
//   6. while training MAML on sinusoids, the median wasm work per frame over
//      300 frames (measured in the page) is under 12 ms;
//   7. a downloaded checkpoint, uploaded again, restores the same predictions;
//      a corrupted upload, or a checkpoint of another kind of model, shows an
//      error and changes nothing;
//   8. URL state: a link's settings are applied; a change in the page updates
//      the hash; reloading that URL restores the same state; a bad value falls
//      back to the default with a notice naming the key;
//   9. the gene lab draws both tabs (promoter sequences, a held-out gene) with
//      predictions, and no errors.
// The app publishes what the test needs in window.metalab.status (iteration,
// predictions checksum, widget rectangles...), so nothing is pixel-guessed
// except "did the picture change".
// Exit codes: 0 pass, 1 fail, 77 skipped (Chromium or playwright-core missing).
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';

import { harness } from './harness.mjs';
import { diffFraction, imageStats } from './png.mjs';

const h = harness({ script: 'e2e_labs.mjs', needs: ['index.html', 'app.js', 'app.wasm', 'assets.json'],
                     summaryFile: 'summary-labs.json', ignoreAbortedRequests: true,
                     brief: (s) => ({ regression: s.regression, page: s.page, gene: s.gene }) });
const { siteDir, summary, check, sleep, state, waitFor, waitFrames, clickAt, shot, clipOf, download,
        upload, watch, checkNoProblems } = h;
const FIRST_FRAME_MS = 2000;
const WORK_MEDIAN_MS = 12;

async function main() {
  // ---- 1. size
  const wasm = statSync(path.join(siteDir, 'app.wasm')).size;
  const js = statSync(path.join(siteDir, 'app.js')).size;
  summary.wasm_bytes = wasm;
  summary.js_bytes = js;

  const s = await h.start();
  const { browser } = s;
  // Warm-up: the browser's GPU process starts with the first WebGL context of
  // its life (a second or more with software rendering); a user's browser has
  // it running already, so it does not count towards the page's first frame.
  const warm = await browser.newPage();
  await warm.goto(`${s.url}assets.json`);
  await warm.evaluate(() => !!document.createElement('canvas').getContext('webgl2'));
  await warm.close();

  // ---- 2. load the regression lab. The first-frame time is taken in a fresh
  // context (empty cache) each time; on a machine shared with other jobs a load
  // spike can delay one attempt, so up to three are made and the best counts.
  const firstFrames = [];
  let context, page, st;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (context) await context.close();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1,
                                         acceptDownloads: true });
    page = await context.newPage();
    watch(page, 'regression lab');
    await page.goto(`${s.url}#view=regression`, { waitUntil: 'load' });
    st = await waitFor(page, 'the regression lab to draw', (x) => x.frames >= 3 && x.status.view === 'regression_lab', 60000);
    const main = await page.evaluate(() => window.metalab.mainMs);
    firstFrames.push({ first_frame_ms: st.firstFrameMs, main_ms: main });
    if (st.firstFrameMs < FIRST_FRAME_MS) break;
  }
  summary.first_frame = firstFrames;
  summary.first_frame_ms = Math.min(...firstFrames.map((f) => f.first_frame_ms));
  check(summary.first_frame_ms < FIRST_FRAME_MS, 'the first frame is drawn within 2 s of navigation',
        firstFrames.map((f) => `${f.first_frame_ms} ms (main() at ${f.main_ms} ms)`).join('; '));
  st = await waitFor(page, 'the shipped sinusoid checkpoint to load',
                     (x) => x.status.regression.ready && x.status.regression.origin.startsWith('shipped'), 30000);
  check(st.status.regression.iteration > 0, 'the regression lab starts from a trained model',
        `${st.status.regression.origin}; iteration ${st.status.regression.iteration}`);
  await waitFrames(page, 3);
  const first = await shot(page, 'labs-regression-1280x800.png');
  summary.screenshots.push(first.file);
  const stats = imageStats(first.img);
  check(stats.std > 20 && stats.colours > 64, 'the regression lab canvas is not blank',
        `luminance std ${stats.std.toFixed(1)}, ${stats.colours} colours`);
  checkNoProblems('while loading the regression lab');

  // ---- 3. add a support point by clicking in the plot
  const r0 = st.status.regression;
  const [px, py, pw, ph] = r0.rects.plot;
  const plotClip = clipOf(r0.rects.plot);
  const before = await shot(page, 'labs-plot-before.png', plotClip);
  let added = null;
  // Try a few spots (one might fall on an existing point, which would start a drag instead).
  for (const [fx, fy] of [[0.55, 0.3], [0.3, 0.75], [0.8, 0.6], [0.45, 0.85]]) {
    await clickAt(page, px + pw * fx, py + ph * fy);
    st = await state(page);
    if (st.status.regression.support === r0.support + 1) {
      added = [px + pw * fx, py + ph * fy];
      break;
    }
  }
  check(added !== null, 'clicking in the adaptation plot adds a support point',
        `support ${r0.support} -> ${st.status.regression.support}`);
  st = await waitFor(page, 'the predictions to follow the new point', (x) => x.status.regression.checksum !== r0.checksum, 10000);
  check(true, 'the adapted curve changes after adding a point', `checksum ${r0.checksum} -> ${st.status.regression.checksum}`);
  await waitFrames(page, 2);
  const afterAdd = await shot(page, 'labs-plot-after-add.png', plotClip);
  const addDiff = diffFraction(before.img, afterAdd.img);
  check(addDiff > 0.002, 'the plot shows the new point and curve', `${(addDiff * 100).toFixed(2)}% pixels differ`);
  const withPoint = st.status.regression;
  await clickAt(page, added[0], added[1], 'right');
  st = await waitFor(page, 'right-click to remove the point', (x) => x.status.regression.support === r0.support, 10000);
  check(true, 'right-clicking a support point removes it', `support ${withPoint.support} -> ${st.status.regression.support}`);

  // ---- 4. the adaptation-step slider
  const [sx, sy, sw, sh] = st.status.regression.rects.adapt_slider;
  const stepBefore = st.status.regression.adapt_step;
  const lossBefore = st.status.regression.loss.meta;
  const sliderBefore = await shot(page, 'labs-plot-step-before.png', plotClip);
  await clickAt(page, sx + 3, sy + sh / 2);  // far left: step 0
  st = await waitFor(page, 'the step slider to move to 0', (x) => x.status.regression.adapt_step === 0, 10000);
  check(st.status.regression.loss.meta !== lossBefore, 'the step slider changes the adapted prediction',
        `step ${stepBefore} -> 0, ${st.status.regression.learner} query loss ${lossBefore} -> ${st.status.regression.loss.meta}`);
  await waitFrames(page, 2);
  const sliderAfter = await shot(page, 'labs-plot-step-0.png', plotClip);
  const sliderDiff = diffFraction(sliderBefore.img, sliderAfter.img);
  check(sliderDiff > 0.002, 'the plot redraws the prediction at step 0', `${(sliderDiff * 100).toFixed(2)}% pixels differ`);
  await clickAt(page, sx + sw - 3, sy + sh / 2);  // back to 10
  await waitFor(page, 'the step slider back at 10', (x) => x.status.regression.adapt_step === 10, 10000);

  // ---- 5. training advances
  const it0 = st.status.regression.iteration;
  await page.keyboard.press('Space');
  st = await waitFor(page, 'training to start after Space', (x) => x.status.regression.playing, 10000);
  const tStart = Date.now();
  const itStart = (await state(page)).status.regression.iteration;
  await sleep(2000);
  st = await state(page);
  const advanced = st.status.regression.iteration - itStart;
  summary.iterations_in_2s = advanced;
  check(advanced > 0, 'training advances the iteration counter over two seconds',
        `${itStart} -> ${st.status.regression.iteration} in ${Date.now() - tStart} ms (started from ${it0})`);

  // ---- 6. frame cost while training MAML on sinusoids
  check(st.status.regression.learner === 'maml' && st.status.regression.task === 'sinusoid', 'training MAML on sinusoids');
  const frames0 = st.frames;
  await waitFor(page, '300 frames of training', (x) => x.frames >= frames0 + 300, 180000);
  const work = await page.evaluate(() => window.metalab.workStats());
  st = await state(page);
  summary.work_ms = work;
  summary.its_per_s = st.status.regression.its_per_s;
  summary.training = st.status.training;
  check(work.n === 300 && work.median < WORK_MEDIAN_MS, 'median wasm work per frame while training is under 12 ms',
        `median ${work.median?.toFixed(2)} ms, p90 ${work.p90?.toFixed(2)} ms, max ${work.max?.toFixed(1)} ms over ${work.n} frames; ` +
        `${st.status.regression.its_per_s} it/s; budget ${st.status.training.budget_ms.toFixed(2)} ms`);
  const trainShot = await shot(page, 'labs-regression-training.png');
  summary.screenshots.push(trainShot.file);
  await page.keyboard.press('Space');
  st = await waitFor(page, 'training to pause', (x) => !x.status.regression.playing, 10000);
  checkNoProblems('while training');

  // ---- 7. checkpoint download, then upload restores the predictions
  await waitFrames(page, 3);
  st = await state(page);
  const saved = st.status.regression;
  const ckpt = await download(page, saved.rects.download);
  check(ckpt.name.endsWith('.safetensors') && ckpt.size > 1000, 'Download model saves a .safetensors file',
        `${ckpt.name}, ${ckpt.size} bytes`);
  await page.keyboard.press('s');
  await page.keyboard.press('s');
  st = await waitFor(page, 'two training steps', (x) => x.status.regression.iteration >= saved.iteration + 2, 20000);
  st = await waitFor(page, 'the predictions to change after training', (x) => x.status.regression.checksum !== saved.checksum, 10000);
  st = await upload(page, ckpt.file);
  check(st.status.page.last_error === '', 'the downloaded checkpoint uploads without error', st.status.page.last_error);
  st = await waitFor(page, 'the restored predictions', (x) => x.status.regression.iteration === saved.iteration, 10000);
  await waitFrames(page, 3);
  st = await state(page);
  check(st.status.regression.checksum === saved.checksum, 'uploading the checkpoint restores the same predictions',
        `checksum saved ${saved.checksum}, after upload ${st.status.regression.checksum}`);
  // A corrupted file.
  const good = st.status.regression;
  st = await upload(page, { name: 'corrupted.safetensors', mimeType: 'application/octet-stream',
                            buffer: Buffer.from('\x10\x00\x00\x00\x00\x00\x00\x00{"a": not json}garbage') });
  check(st.status.page.last_error.length > 0, 'a corrupted upload shows an error', st.status.page.last_error);
  await waitFrames(page, 3);
  st = await state(page);
  check(st.status.regression.checksum === good.checksum && st.status.regression.iteration === good.iteration,
        'a corrupted upload changes nothing', `checksum ${good.checksum} -> ${st.status.regression.checksum}`);
  // A valid safetensors file that holds another kind of model (a prototypical network on glyphs).
  const header = JSON.stringify({ __metadata__: { learner: 'protonet', 'task.name': 'glyphs' },
                                  w: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } });
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(Buffer.byteLength(header)));
  st = await upload(page, { name: 'protonet-glyphs.safetensors', mimeType: 'application/octet-stream',
                            buffer: Buffer.concat([len, Buffer.from(header), Buffer.alloc(4)]) });
  check(st.status.page.last_error.includes('protonet') || st.status.page.last_error.includes('glyphs'),
        'a checkpoint of another kind of model shows an error', st.status.page.last_error);
  await waitFrames(page, 3);
  st = await state(page);
  check(st.status.regression.checksum === good.checksum && st.status.regression.task === 'sinusoid',
        'a mismatched upload changes nothing', `checksum ${good.checksum} -> ${st.status.regression.checksum}`);
  const errShot = await shot(page, 'labs-upload-error.png');
  summary.screenshots.push(errShot.file);
  checkNoProblems('after checkpoint download and upload');

  // ---- 8. URL state (first let the start-up downloads finish: reloads would cancel them)
  const nAssets = JSON.parse(readFileSync(path.join(siteDir, 'assets.json'), 'utf8')).length;
  await waitFor(page, 'all assets to be loaded', (x) => x.assets.length === nAssets, 60000);
  const link = '#view=regression&task=sinusoid&learner=fomaml&alpha=0.02&K=5&seed=3';
  await page.goto(`${s.url}${link}`, { waitUntil: 'load' });
  await page.reload({ waitUntil: 'load' });  // a fresh page from the link
  st = await waitFor(page, 'the link to be applied', (x) => x.frames >= 3 && x.status.regression.ready, 60000);
  let r = st.status.regression;
  check(st.status.view === 'regression_lab' && r.learner === 'fomaml' && r.session_learner === 'fomaml' &&
        Math.abs(r.alpha - 0.02) < 1e-6 && r.k === 5 && r.seed === 3 && st.status.page.url_notice === '',
        'a link opens exactly its setup', `view ${st.status.view}, learner ${r.learner}, alpha ${r.alpha}, K ${r.k}, seed ${r.seed}`);
  check(st.hash.includes('learner=fomaml') && st.hash.includes('K=5') && st.hash.includes('seed=3'),
        'the hash keeps the link\'s settings', st.hash);
  // Change K in the page with its slider; the hash follows.
  const [kx, ky, kw, kh] = r.rects.k_slider;
  await clickAt(page, kx + kw * 0.8, ky + kh / 2);
  st = await waitFor(page, 'K to change after clicking its slider', (x) => x.status.regression.k !== 5, 10000);
  const newK = st.status.regression.k;
  st = await waitFor(page, 'the hash to follow', (x) => x.hash.includes(`K=${newK}&`), 10000);
  const url = page.url();
  check(url.includes(`K=${newK}`), 'changing a setting updates the URL hash', url.slice(url.indexOf('#')));
  const heldout = st.status.regression.checksum;
  await page.reload({ waitUntil: 'load' });
  st = await waitFor(page, 'the reloaded page', (x) => x.frames >= 3 && x.status.regression.ready, 60000);
  r = st.status.regression;
  check(r.k === newK && r.learner === 'fomaml' && Math.abs(r.alpha - 0.02) < 1e-6 && r.seed === 3,
        'reloading the URL restores the same state', `K ${r.k}, learner ${r.learner}, alpha ${r.alpha}, seed ${r.seed}`);
  summary.url_roundtrip = { url: page.url(), heldout_checksum_before: heldout };
  // A bad value.
  await page.goto(`${s.url}#view=regression&alpha=abc&K=7`, { waitUntil: 'load' });
  await page.reload({ waitUntil: 'load' });
  st = await waitFor(page, 'the notice about the bad value', (x) => x.frames >= 3 && x.status.page.url_notice !== '', 60000);
  check(st.status.page.url_notice.includes('alpha') && st.status.regression.alpha === 0.01 && st.status.regression.k === 7,
        'an invalid value falls back to the default with a notice naming the key', st.status.page.url_notice);
  await waitFrames(page, 3);
  const notice = await shot(page, 'labs-url-notice.png');
  summary.screenshots.push(notice.file);
  checkNoProblems('after the URL checks');
  await context.close();

  // ---- 9. gene lab
  const ctx2 = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  const page2 = await ctx2.newPage();
  watch(page2, 'gene lab');
  await page2.goto(`${s.url}#view=gene`, { waitUntil: 'load' });
  st = await waitFor(page2, 'the gene lab with promoter predictions',
                     (x) => x.frames >= 3 && x.status.view === 'gene_lab' && x.status.gene.points > 0 && x.status.gene.loss.meta !== null, 60000);
  await waitFrames(page2, 3);
  const g1 = await shot(page2, 'labs-gene-promoters-1280x800.png');
  summary.screenshots.push(g1.file);
  check(imageStats(g1.img).std > 20 && imageStats(g1.img).colours > 64, 'the gene lab (promoters) is not blank',
        `cell type ${st.status.gene.cell_type}, MSE ${st.status.gene.loss.meta}`);
  const [tx, ty, tw, th] = st.status.gene.rects.tab_genes;
  await clickAt(page2, tx + tw / 2, ty + th / 2);
  st = await waitFor(page2, 'the tissue expression tab with a held-out gene',
                     (x) => x.status.gene.tab === 1 && x.status.gene.gene !== '' && x.status.gene.points > 0, 60000);
  await waitFrames(page2, 3);
  const g2 = await shot(page2, 'labs-gene-tissue-1280x800.png');
  summary.screenshots.push(g2.file);
  check(imageStats(g2.img).std > 20, 'the gene lab (tissue expression) is not blank',
        `gene ${st.status.gene.gene}, MSE ${st.status.gene.loss.meta}`);
  checkNoProblems('in the gene lab');
  await ctx2.close();
}

await h.run(main);
