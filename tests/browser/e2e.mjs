// Browser end-to-end test of the MetaLab page, in Debian's headless Chromium.
//
//   node tests/browser/e2e.mjs SITE_DIR [--out DIR]
//
// SITE_DIR is the built page (build/web/site). The test serves it on a free
// 127.0.0.1 port and checks, with clear messages on failure:
//   1. the page loads with no page error, console error or failed request, and
//      draws frames (first-frame time is reported);
//   2. the canvas is not blank (luminance spread and colour count of a screenshot);
//   3. the picture is stable while nothing happens (so the next checks mean something);
//   4. pressing N and clicking "New task" each change the task (app state) and the plot (pixels);
//   5. "+" makes the text larger;
//   6. resizing the window resizes the canvas, its backing store and the app's display;
//   7. at devicePixelRatio 2 the backing store has twice the CSS size and the app uses it.
// Screenshots and a summary (summary.json) go to --out (default: the current directory).
// Exit codes: 0 pass, 1 fail, 77 skipped (Chromium or playwright-core missing: run scripts/setup.sh).
import { harness } from './harness.mjs';
import { diffFraction, imageStats } from './png.mjs';

const h = harness({ script: 'e2e.mjs' });
const { summary, check, state, waitFor, waitFrames, shot, clipOf, watch, checkNoProblems } = h;

async function main() {
  const s = await h.start();
  const { browser } = s;

  // ---- 1. load, first frame
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  watch(page, 'page 1280x800');
  const t0 = Date.now();
  await page.goto(s.url, { waitUntil: 'load' });
  let st = await waitFor(page, 'the first frames', (x) => x.frames >= 3 && x.status, 60000);
  summary.first_frame_ms = st.firstFrameMs;
  summary.load_to_third_frame_ms = Date.now() - t0;
  check(st.status.view === 'sinusoid_explorer', 'the sinusoid explorer is the first view', `view ${st.status.view}`);
  check(await page.locator('#overlay').isHidden(), 'the loading message is gone after the first frame');
  checkNoProblems('while loading');
  console.log(`      first frame ${st.firstFrameMs} ms after navigation start`);

  // ---- 2. not blank
  const first = await shot(page, 'e2e-1280x800.png');
  summary.screenshots.push(first.file);
  const stats = imageStats(first.img);
  summary.first_image = stats;
  check(stats.std > 20 && stats.colours > 64, 'the canvas shows a picture, not a blank or flat colour',
        `luminance std ${stats.std.toFixed(1)} (need > 20), ${stats.colours} colours (need > 64)`);

  // ---- 3. stable while idle (the comparison below can tell "changed" from "noise")
  const plotClip = clipOf(st.status.layout.plot);
  check(plotClip.width > 200 && plotClip.height > 150, 'the plot has a sensible size',
        JSON.stringify(st.status.layout.plot));
  const idleA = await shot(page, 'e2e-plot-a.png', plotClip);
  await waitFrames(page, 3);
  const idleB = await shot(page, 'e2e-plot-b.png', plotClip);
  const idleDiff = diffFraction(idleA.img, idleB.img);
  check(idleDiff < 0.002, 'the plot does not change while nothing happens', `${(idleDiff * 100).toFixed(3)}% pixels differ`);
  check(imageStats(idleB.img).std > 10, 'the plot itself is not blank');

  // ---- 4a. key N: next task
  const task0 = st.status.sinusoid;
  await page.keyboard.press('n');
  st = await waitFor(page, 'the task to change after pressing N',
                     (x) => x.status.sinusoid.task_index === task0.task_index + 1, 10000);
  const task1 = st.status.sinusoid;
  check(task1.amplitude !== task0.amplitude || task1.phase !== task0.phase, 'N draws a different task',
        `A ${task0.amplitude.toFixed(3)} -> ${task1.amplitude.toFixed(3)}, phi ${task0.phase.toFixed(3)} -> ${task1.phase.toFixed(3)}`);
  await waitFrames(page, 2);
  const afterKey = await shot(page, 'e2e-plot-after-n.png', plotClip);
  const keyDiff = diffFraction(idleB.img, afterKey.img);
  check(keyDiff > 0.01, 'the plot changes after pressing N', `${(keyDiff * 100).toFixed(2)}% pixels differ (need > 1%)`);

  // ---- 4b. click the "New task" button where the app says it is
  const [bx, by, bw, bh] = st.status.layout.new_task_button;
  check(bw > 10 && bh > 10, 'the New task button has a size', JSON.stringify(st.status.layout.new_task_button));
  await page.mouse.move(bx + bw / 2, by + bh / 2);
  await waitFrames(page, 2);
  await page.mouse.down();
  await waitFrames(page, 2);
  await page.mouse.up();
  st = await waitFor(page, 'the task to change after clicking New task',
                     (x) => x.status.sinusoid.task_index === task1.task_index + 1, 10000);
  await waitFrames(page, 2);
  const afterClick = await shot(page, 'e2e-plot-after-click.png', plotClip);
  const clickDiff = diffFraction(afterKey.img, afterClick.img);
  check(clickDiff > 0.01, 'the plot changes after clicking New task', `${(clickDiff * 100).toFixed(2)}% pixels differ`);

  // ---- 5. "+" enlarges the text
  const scale0 = st.status.text_scale;
  await page.keyboard.press('Equal');
  st = await waitFor(page, 'the text scale to grow after pressing +', (x) => x.status.text_scale > scale0, 10000);
  check(true, 'the + key enlarges the text', `${scale0} -> ${st.status.text_scale}`);
  await page.keyboard.press('Minus');
  st = await waitFor(page, 'the text scale to shrink after pressing -', (x) => x.status.text_scale === scale0, 10000);

  // ---- 6. resize
  await page.setViewportSize({ width: 900, height: 640 });
  st = await waitFor(page, 'the app to follow the resize to 900x640',
                     (x) => x.status.display.width === 900 && x.status.display.height === 640 &&
                            x.status.display.framebuffer_width === 900, 10000);
  check(st.canvas.width === 900 && st.canvas.height === 640, 'the canvas backing store follows the resize',
        `${st.canvas.width}x${st.canvas.height}`);
  check(st.canvas.cssWidth === 900 && st.canvas.cssHeight === 640, 'the canvas fills the resized window',
        `${st.canvas.cssWidth}x${st.canvas.cssHeight} CSS px`);
  const [px, , pw] = st.status.layout.plot;
  check(px + pw <= 900 && px + pw > 600, 'the plot is laid out for the new width', `plot right edge ${px + pw}`);
  await waitFrames(page, 2);
  const resized = await shot(page, 'e2e-900x640.png');
  summary.screenshots.push(resized.file);
  check(resized.img.width === 900 && imageStats(resized.img).std > 20, 'the resized page is drawn',
        `${resized.img.width}x${resized.img.height}, std ${imageStats(resized.img).std.toFixed(1)}`);
  checkNoProblems('after the interactions');
  await context.close();

  // ---- 7. high-DPI
  const hi = await browser.newContext({ viewport: { width: 800, height: 600 }, deviceScaleFactor: 2 });
  const page2 = await hi.newPage();
  watch(page2, 'page 800x600@2x');
  await page2.goto(s.url, { waitUntil: 'load' });
  st = await waitFor(page2, 'the first frames at devicePixelRatio 2', (x) => x.frames >= 3 && x.status, 60000);
  check(st.inner.dpr === 2, 'the browser reports devicePixelRatio 2', String(st.inner.dpr));
  check(st.canvas.width === 1600 && st.canvas.height === 1200, 'the backing store is CSS size x devicePixelRatio',
        `${st.canvas.width}x${st.canvas.height} for ${st.canvas.cssWidth}x${st.canvas.cssHeight} CSS px`);
  const d = st.status.display;
  check(d.width === 800 && d.framebuffer_width === 1600 && d.pixel_ratio === 2,
        'the app lays out in CSS pixels and renders at full resolution',
        `display ${d.width}x${d.height}, framebuffer ${d.framebuffer_width}x${d.framebuffer_height}, ratio ${d.pixel_ratio}`);
  const hiShot = await shot(page2, 'e2e-800x600@2x.png');
  summary.screenshots.push(hiShot.file);
  check(hiShot.img.width === 1600 && imageStats(hiShot.img).std > 20, 'the high-DPI page is drawn',
        `${hiShot.img.width}x${hiShot.img.height}`);
  checkNoProblems('at devicePixelRatio 2');
  await hi.close();
}

await h.run(main);
