// Browser end-to-end test of the page's two languages (English, Simplified Chinese), in
// Debian's headless Chromium.
//
//   node tests/browser/e2e_languages.mjs SITE_DIR [--out DIR]
//
// Checks, each with a clear message on failure:
//   1. a browser whose language is Chinese (zh-CN) opens in Chinese without lang= in the
//      link, an English one in English; lang=en / lang=zh in a link win over the browser;
//   2. every view, in both languages, at desktop (1280 x 800, pixel ratio 2) and phone width
//      (390 x 844, pixel ratio 3): status.lang as asked, missing_glyphs 0 (every character
//      drawn is in the font atlas), the atlas within 2048 x 2048, no page or console error;
//      a screenshot of each (languages-<lang>-<view>[-phone].png);
//   3. every step of every lesson opens in Chinese (#lesson=ID&step=N&lang=zh) with
//      missing_glyphs 0 and no page error;
//   4. the language switch in the display controls changes the language, and the hash the
//      page writes keeps it: after a reload the page (and a lesson step) is still Chinese;
//   5. the loading and error messages of the page shell follow the language too.
// Exit codes: 0 pass, 1 fail, 77 skipped (Chromium or playwright-core missing).
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { harness } from './harness.mjs';
import { imageStats } from './png.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const LESSON_DIR = path.join(here, '..', '..', 'assets', 'lessons');
const VIEWS = ['sinusoid', 'regression', 'classification', 'memory', 'gene', 'landscape'];
const h = harness({ script: 'e2e_languages.mjs', summaryFile: 'summary-languages.json', ignoreAbortedRequests: true,
                     brief: (s) => ({ view: s.view, lang: s.lang, missing_glyphs: s.missing_glyphs, lesson: s.lesson,
                                      font_atlas: s.font_atlas, page: s.page }) });
const { summary, check, state, waitFor, waitFrames, clickRect, shot, watch, checkNoProblems } = h;

const lessons = readdirSync(LESSON_DIR).filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(path.join(LESSON_DIR, f), 'utf8')));

async function newPage(browser, url, locale, viewport, dpr, label, hash) {
  const context = await browser.newContext({ locale, viewport, deviceScaleFactor: dpr, isMobile: dpr > 2,
                                             hasTouch: dpr > 2 });
  const page = await context.newPage();
  watch(page, label);
  await page.goto(`${url}${hash ? '#' + hash : ''}`, { waitUntil: 'load' });
  await waitFor(page, `${label}: the first frames`, (x) => x.frames > 5 && x.status, 90000);
  return { context, page };
}

const glyphsOk = (s) => s.missing_glyphs === 0 && s.font_atlas[0] <= 2048 && s.font_atlas[1] <= 2048 && s.font_atlas[1] > 0;

h.run(async () => {
  const { url, browser } = await h.start();
  summary.views = [];

  // 1. The browser's language is the default; lang= in the link wins.
  for (const [locale, want] of [['zh-CN', 'zh'], ['en-US', 'en']]) {
    const { context, page } = await newPage(browser, url, locale, { width: 1280, height: 800 }, 1, `default ${locale}`, '');
    const st = await waitFor(page, `${locale}: the language`, (x) => x.status.lang !== undefined);
    check(st.status.lang === want, `a ${locale} browser opens the page in ${want}`, st.status.lang);
    check(!/lang=/.test(st.hash), `${locale}: the default language is not written into the link`, st.hash);
    const other = want === 'zh' ? 'en' : 'zh';
    await page.evaluate((x) => { window.location.hash = x; }, `#view=regression&lang=${other}`);
    const o = await waitFor(page, `${locale}: lang=${other}`, (x) => x.status.lang === other);
    check(new RegExp(`lang=${other}`).test(o.hash), `${locale}: lang=${other} in a link wins and stays in the link`, o.hash);
    if (want === 'zh') {
      const text = await page.evaluate(() => document.documentElement.lang);
      check(text === 'zh-CN', 'the page shell of a Chinese browser is marked zh-CN', text);
    }
    await context.close();
  }

  // 2. Every view in both languages, desktop and phone.
  for (const [width, height, dpr, suffix] of [[1280, 800, 2, ''], [390, 844, 3, '-phone']]) {
    for (const lang of ['zh', 'en']) {
      const { context, page } = await newPage(browser, url, 'en-US', { width, height }, dpr, `${lang}${suffix}`,
                                              `view=sinusoid&lang=${lang}`);
      for (const view of VIEWS) {
        await page.evaluate((x) => { window.location.hash = x; }, `#view=${view}&lang=${lang}`);
        await waitFor(page, `${view} in ${lang}`, (x) => x.status.view.startsWith(view) && x.status.lang === lang);
        await waitFrames(page, view === 'classification' || view === 'memory' ? 30 : 12);
        const st = await state(page);
        check(glyphsOk(st.status), `${view} (${lang}${suffix}): every character drawn is in the font atlas`,
              JSON.stringify({ missing: st.status.missing_glyphs, atlas: st.status.font_atlas }));
        const s = await shot(page, `languages-${lang}-${view}${suffix}.png`);
        summary.screenshots.push(s.file);
        summary.views.push({ lang, view, width, missing_glyphs: st.status.missing_glyphs, font_atlas: st.status.font_atlas });
        check(imageStats(s.img).std > 10, `${view} (${lang}${suffix}) is drawn`);
      }
      checkNoProblems(`in every view (${lang}${suffix})`);
      await context.close();
    }
  }

  // 3. Every lesson step in Chinese.
  {
    const { context, page } = await newPage(browser, url, 'zh-CN', { width: 1280, height: 800 }, 2, 'lessons zh', '');
    let steps = 0;
    for (const l of lessons) {
      for (let n = 1; n <= l.steps.length; n++) {
        await page.evaluate((x) => { window.location.hash = x; }, `#lesson=${l.id}&step=${n}&lang=zh`);
        await waitFor(page, `${l.id} step ${n} in Chinese`, (x) => x.status.lesson && x.status.lesson.id === l.id &&
                      x.status.lesson.step === n && x.status.lang === 'zh');
        await waitFrames(page, 6);
        const st = await state(page);
        check(glyphsOk(st.status), `lesson ${l.id} step ${n} in Chinese: every character is in the font atlas`,
              JSON.stringify({ missing: st.status.missing_glyphs }));
        if (n === 1) summary.screenshots.push((await shot(page, `languages-zh-lesson-${l.id}.png`)).file);
        steps++;
      }
    }
    check(steps >= 30, `every lesson step opened in Chinese (${steps} steps)`);
    checkNoProblems('in every lesson step in Chinese');
    await context.close();
  }

  // 4. The switch, and reloads.
  {
    const { context, page } = await newPage(browser, url, 'en-US', { width: 1280, height: 800 }, 1, 'switch',
                                            'view=regression');
    let st = await waitFor(page, 'the language switch', (x) => x.status.lang === 'en' && x.status.page_rects?.lang_zh);
    await clickRect(page, st.status.page_rects.lang_zh);
    st = await waitFor(page, 'Chinese after the switch', (x) => x.status.lang === 'zh' && /lang=zh/.test(x.hash));
    check(true, 'the language switch turns the page Chinese and writes lang=zh into the link', st.hash);
    await page.reload({ waitUntil: 'load' });
    st = await waitFor(page, 'the reloaded page', (x) => x.frames > 5 && x.status && x.status.lang !== undefined, 90000);
    check(st.status.lang === 'zh' && st.status.view.startsWith('regression'),
          'after a reload the page is still Chinese, in the same view', JSON.stringify({ lang: st.status.lang, view: st.status.view }));
    await page.evaluate(() => { window.location.hash = '#lesson=maml&step=3&lang=zh'; });
    await waitFor(page, 'the lesson step', (x) => x.status.lesson?.step === 3);
    await page.reload({ waitUntil: 'load' });
    st = await waitFor(page, 'the reloaded lesson step', (x) => x.frames > 5 && x.status?.lesson?.step === 3, 90000);
    check(st.status.lang === 'zh' && st.status.lesson.id === 'maml', '#lesson=maml&step=3&lang=zh opens that step in Chinese after a reload',
          JSON.stringify({ lang: st.status.lang, lesson: st.status.lesson.id }));
    checkNoProblems('while switching and reloading');
    await context.close();
  }

  // 5. The page shell's messages: a browser without WebGL2 gets the error in its language.
  for (const [hash, pattern] of [['lang=zh', /无法/], ['lang=en', /cannot create a WebGL2 context/]]) {
    const context = await browser.newContext({ locale: 'en-US' });
    await context.addInitScript(() => {
      const real = HTMLCanvasElement.prototype.getContext;
      HTMLCanvasElement.prototype.getContext = function (kind, ...rest) {
        return kind === 'webgl2' ? null : real.call(this, kind, ...rest);
      };
    });
    const page = await context.newPage();
    page.on('console', () => {});  // the shell logs the error it shows: the expected outcome
    await page.goto(`${url}#view=regression&${hash}`, { waitUntil: 'load' });
    await page.waitForFunction(() => window.metalab && window.metalab.error, null, { timeout: 10000 });
    const text = await page.locator('#overlay').innerText();
    check(pattern.test(text), `the shell's error message follows ${hash}`, JSON.stringify(text));
    await context.close();
  }
});
