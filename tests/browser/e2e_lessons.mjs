// Browser end-to-end test of the lessons (assets/lessons), in Debian's headless Chromium.
//
//   node tests/browser/e2e_lessons.mjs SITE_DIR [--out DIR]
//
// Checks, each with a clear message on failure:
//   1. window.metalab.lessons lists the shipped lessons and status.lesson is null without one;
//   2. every lesson opens from #lesson=ID&step=1 and steps through to its end with Next
//      (and the Page Down key): at every step the control it points at is on screen, every
//      "predict before you run" question keeps its answer hidden until Run has finished,
//      then reveals it (right or wrong as predicted; the test answers some right and some
//      wrong, from the lesson file), and every check of the step's claims holds on the
//      page's own numbers; no page or console error; a screenshot of each first step;
//   3. "you are the learner": the score counts right and wrong taps (the truth of the query
//      asked is in status.classification.you.current_truth);
//   4. #lesson=ID&step=N opens exactly that step after a reload, and in a fresh page;
//      Page Up goes back; presenter mode (present=1) hides the sidebar and enlarges the text;
//   5. phones (390 x 844, deviceScaleFactor 3, touch) and tablets (768 x 1024): every view lays
//      out inside the width (the classification lab's buttons and plots), taps label queries,
//      a finger drags theta in the landscape lab and scrolls the view; screenshots.
// Exit codes: 0 pass, 1 fail, 77 skipped (Chromium or playwright-core missing).
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { harness } from './harness.mjs';
import { imageStats } from './png.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const LESSON_DIR = path.join(here, '..', '..', 'assets', 'lessons');
const h = harness({ script: 'e2e_lessons.mjs', summaryFile: 'summary-lessons.json', ignoreAbortedRequests: true,
                     brief: (s) => ({ view: s.view, lesson: s.lesson, page: s.page, you: s.classification?.you }) });
const { summary, check, state, waitFor, waitFrames, clickRect, shot, watch, checkNoProblems } = h;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The lesson files, for their answers and step counts.
const lessons = Object.fromEntries(readdirSync(LESSON_DIR).filter((f) => f.endsWith('.json'))
  .map((f) => { const l = JSON.parse(readFileSync(path.join(LESSON_DIR, f), 'utf8')); return [l.id, l]; }));
const labKey = { sinusoid: 'sinusoid', regression: 'regression', classification: 'classification', memory: 'memory',
                 gene: 'gene', landscape: 'landscape' };
const inside = (r, w) => r && r.length === 4 && r[2] > 0 && r[3] > 0 && r[0] >= -0.5 && r[0] + r[2] <= w + 0.5;

async function openStep(page, id, step) {
  await page.evaluate((h) => { window.location.hash = h; }, `#lesson=${id}&step=${step}`);
  return waitFor(page, `lesson ${id} step ${step}`, (x) => x.status.lesson && x.status.lesson.id === id &&
                 x.status.lesson.step === step && x.status.lesson.phase !== 'preparing', 240000);
}

// The "you are the learner" activity: `right` right taps, then wrong ones (tap = a mouse
// click or a finger tap, as the page sees it).
async function labelQueries(page, right, tap) {
  let st = await waitFor(page, 'the queries to label', (x) => x.status.classification.you.total > 0 &&
                         x.status.classification.rects.you_class_0, 60000);
  const total = st.status.classification.you.total;
  for (let i = 0; i < total; i++) {
    const you = st.status.classification.you;
    const ways = st.status.classification.ways;
    const k = i < right ? you.current_truth : (you.current_truth + 1) % ways;
    await tap(st.status.classification.rects[`you_class_${k}`]);
    st = await waitFor(page, `answer ${i + 1} to be counted`, (x) => x.status.classification.you.answered === i + 1, 10000);
  }
  return st.status.classification.you;
}

async function stepThrough(page, id, width) {
  const lesson = lessons[id];
  let st = await openStep(page, id, 1);
  await waitFrames(page, 20);
  const first = await shot(page, `lesson-${id}-step1.png`);
  summary.screenshots.push(first.file);
  const stats = imageStats(first.img);
  check(stats.std > 15, `lesson ${id}: the first step is drawn`, `luminance std ${stats.std.toFixed(1)}`);
  const results = [];
  for (let n = 1; n <= lesson.steps.length; n++) {
    const step = lesson.steps[n - 1];
    st = await waitFor(page, `${id} step ${n}`, (x) => x.status.lesson?.step === n && x.status.lesson.phase !== 'preparing',
                       240000);
    const l = st.status.lesson;
    check(l.steps === lesson.steps.length && l.step_id === step.id && st.status.view.startsWith(step.view === 'gene' ? 'gene' : step.view),
          `${id} step ${n} (${step.id}) shows its view`, JSON.stringify({ view: st.status.view, step_id: l.step_id }));
    if (step.point) {
      st = await waitFor(page, `${id} step ${n}: the control "${step.point}" on screen`,
                         (x) => x.status.lesson.point_rect && x.status.lesson.point_rect[2] > 0, 20000);
      check(inside(st.status.lesson.point_rect, width), `${id} step ${n}: points at "${step.point}", inside the page`,
            JSON.stringify(st.status.lesson.point_rect));
    }
    if (id === 'few-shot' && step.id === 'you') {
      const you = await labelQueries(page, 6, (r) => clickRect(page, r));
      check(you.right === 6 && you.wrong === you.total - 6 && you.done,
            'you are the learner: the score counts right and wrong clicks', JSON.stringify(you));
      check(you.model_right !== null, 'the model has labelled the same queries (hidden until compared)');
    }
    if (l.has_run) {
      if (l.has_question) {
        // Right on odd steps, wrong on even ones: the reveal must say which.
        const answer = step.question.answer;
        const choice = n % 2 === 1 ? answer : (answer + 1) % step.question.choices.length;
        st = await waitFor(page, 'the choices', (x) => x.status.lesson.rects[`choice_${choice}`], 10000);
        await clickRect(page, st.status.lesson.rects[`choice_${choice}`]);
        st = await waitFor(page, 'the prediction to be taken', (x) => x.status.lesson.choice === choice, 10000);
        check(st.status.lesson.answer === null && !st.status.lesson.revealed,
              `${id} step ${n}: the answer stays hidden before Run`, JSON.stringify(st.status.lesson));
        if (step.cover?.length) check(st.status.lesson.covered, `${id} step ${n}: ${step.cover.join(', ')} covered until Run`);
      }
      await clickRect(page, st.status.lesson.rects.run);
      st = await waitFor(page, `${id} step ${n} to run`, (x) => x.status.lesson.phase === 'done', 300000);
      if (l.has_question) {
        const choice = st.status.lesson.choice;
        check(st.status.lesson.revealed && st.status.lesson.answer === step.question.answer &&
              st.status.lesson.correct === (choice === step.question.answer),
              `${id} step ${n}: after Run the answer is revealed (predicted ${choice === step.question.answer ? 'right' : 'wrong'})`,
              JSON.stringify({ answer: st.status.lesson.answer, correct: st.status.lesson.correct }));
        await waitFrames(page, 3);
        const reveal = await shot(page, `lesson-${id}-step${n}-revealed.png`);
        if (n === 2) summary.screenshots.push(reveal.file);
      }
      if (step.checks?.length) {
        try {
          st = await waitFor(page, `${id} step ${n}: its checks`, (x) => x.status.lesson.checks.every((c) => c.ok), 120000);
        } catch (e) {
          st = await state(page);
        }
        const checks = st.status.lesson.checks;
        results.push({ step: step.id, checks });
        check(checks.every((c) => c.ok), `${id} step ${n}: the lesson's claims hold on the page's numbers`,
              checks.map((c) => c.detail).join('; '));
      }
    }
    if (n < lesson.steps.length) {
      if (n % 2 === 0) await page.keyboard.press('PageDown');
      else await clickRect(page, st.status.lesson.rects.next);
      await waitFor(page, `${id}: Next to step ${n + 1}`, (x) => x.status.lesson?.step === n + 1, 20000);
    }
  }
  summary.lessons[id] = results;
  checkNoProblems(`while stepping through lesson ${id}`);
}

async function main() {
  const s = await h.start();
  const { browser } = s;
  summary.lessons = {};
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  watch(page, 'lessons 1280x800');

  // ---- 1. the list
  await page.goto(s.url, { waitUntil: 'load' });
  let st = await waitFor(page, 'the first frames', (x) => x.frames >= 3, 60000);
  const ids = await page.evaluate(() => window.metalab.lessons);
  check(JSON.stringify(ids) === JSON.stringify(['few-shot', 'maml', 'meta-gradients', 'metric', 'memory', 'biomedicine']),
        'window.metalab.lessons lists the six lessons in order', JSON.stringify(ids));
  check(st.status.lesson === null && st.status.lesson_errors.length === 0, 'no lesson open, none failed to load',
        JSON.stringify(st.status.lesson_errors));
  await waitFor(page, 'the shipped models', (x) => x.assets.includes('checkpoints/protonet-glyphs14.safetensors') &&
                x.assets.includes('checkpoints/mann-glyphs14.safetensors'), 60000);

  // ---- 2 + 3. every lesson, start to end
  for (const id of ids) await stepThrough(page, id, 1280);

  // ---- 4. a step after a reload, Page Up, presenter mode
  await page.evaluate(() => { window.location.hash = '#lesson=maml&step=3'; });
  await page.reload({ waitUntil: 'load' });
  st = await waitFor(page, 'lesson maml step 3 after a reload', (x) => x.frames > 3 && x.status.lesson?.id === 'maml' &&
                     x.status.lesson.step === 3, 60000);
  check(st.status.view === 'regression_lab' && st.status.lesson.step_id === lessons.maml.steps[2].id &&
        st.status.regression.adapt_step === 1 && st.hash === '#lesson=maml&step=3',
        '#lesson=maml&step=3 opens exactly that step after a reload',
        JSON.stringify({ view: st.status.view, adapt: st.status.regression.adapt_step, hash: st.hash }));
  await page.keyboard.press('PageUp');
  st = await waitFor(page, 'Page Up: step 2', (x) => x.status.lesson.step === 2, 10000);
  check(st.status.regression.adapt_step === 0, 'Page Up goes back a step, with its settings');
  const fresh = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  const p2 = await fresh.newPage();
  watch(p2, 'fresh page');
  await p2.goto(`${s.url}#lesson=meta-gradients&step=5&present=1`, { waitUntil: 'load' });
  st = await waitFor(p2, 'a link to step 5 in presenter mode', (x) => x.frames > 3 && x.status.lesson?.step === 5, 60000);
  check(st.status.view === 'landscape_lab' && st.status.presenter && st.status.landscape.theta1 === 1 &&
        st.status.landscape.steps === 1, 'a fresh page opens #lesson=meta-gradients&step=5&present=1 at that step',
        JSON.stringify({ view: st.status.view, presenter: st.status.presenter, theta1: st.status.landscape.theta1 }));
  await waitFor(p2, 'the landscape maps', (x) => x.status.landscape.grid_done === 1, 60000);
  await waitFrames(p2, 5);
  const pres = await shot(p2, 'lesson-presenter-1280x800.png');
  summary.screenshots.push(pres.file);
  st = await state(p2);
  check(st.status.lesson.rects.presenter && st.status.lesson.rects.next[1] > 0, 'presenter mode: the lesson panel, no sidebar');
  await clickRect(p2, st.status.lesson.rects.presenter);
  st = await waitFor(p2, 'presenter mode off', (x) => !x.status.presenter, 10000);
  check(st.hash === '#lesson=meta-gradients&step=5', 'leaving presenter mode drops present=1 from the link', st.hash);
  checkNoProblems('after reloads and presenter mode');
  await fresh.close();

  // ---- 5. phones and tablets
  for (const [w, hgt, dsf, name] of [[390, 844, 3, 'phone'], [768, 1024, 2, 'tablet']]) {
    const ctx = await browser.newContext({ viewport: { width: w, height: hgt }, deviceScaleFactor: dsf, hasTouch: true,
                                           isMobile: name === 'phone' });
    const p = await ctx.newPage();
    watch(p, `${name} ${w}x${hgt}`);
    const cdp = await ctx.newCDPSession(p);
    const tap = async (r) => {
      await p.touchscreen.tap(r[0] + r[2] / 2, r[1] + r[3] / 2);
      await waitFrames(p, 3);
    };
    const swipe = async (x0, y0, x1, y1) => {
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: x0, y: y0 }] });
      await waitFrames(p, 2);
      for (let i = 1; i <= 8; i++) {
        await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x: x0 + (x1 - x0) * i / 8, y: y0 + (y1 - y0) * i / 8 }] });
        await waitFrames(p, 1);
      }
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
      await waitFrames(p, 3);
    };
    await p.goto(`${s.url}#view=classification`, { waitUntil: 'load' });
    st = await waitFor(p, `the classification lab on a ${name}`, (x) => x.frames > 3 && x.status.classification.ready &&
                       x.status.classification.weights === 'shipped', 90000);
    await waitFrames(p, 5);
    const r = st.status.classification.rects;
    const names = ['learner', 'play', 'step', 'reset', 'upload', 'download', 'new_episode', 'episode', 'embedding'];
    const out = names.filter((k) => !inside(r[k], w));
    check(out.length === 0, `${name}: the classification lab's controls and plots fit the width`,
          out.map((k) => `${k} ${JSON.stringify(r[k])}`).join('; '));
    const cl = await shot(p, `classification-${name}-${w}x${hgt}.png`);
    summary.screenshots.push(cl.file);
    // A finger dragging on empty space scrolls the view (the curve sits below the fold on a phone).
    // The episode picture is not a widget: a drag on it scrolls.
    const y0 = st.status.classification.rects.embedding[1];
    const ep = st.status.classification.rects.episode;
    const sy = Math.min(ep[1] + ep[3] * 0.8, hgt * 0.9);
    await swipe(ep[0] + ep[2] / 2, sy, ep[0] + ep[2] / 2, sy - hgt * 0.4);
    st = await waitFor(p, 'the view to scroll', (z) => z.status.classification.rects.embedding[1] < y0 - 50, 10000);
    check(true, `${name}: a finger drag on empty space scrolls the view`);
    const scrolled = await shot(p, `classification-${name}-scrolled.png`);
    summary.screenshots.push(scrolled.file);
    // Every other view: inside the width.
    for (const view of ['sinusoid', 'regression', 'memory', 'gene', 'landscape']) {
      await p.evaluate((v) => { window.location.hash = `#view=${v}`; }, view);
      st = await waitFor(p, `the ${view} view on a ${name}`, (z) => z.status.view.startsWith(view) &&
                         Object.keys(view === 'sinusoid' ? z.status.layout : z.status[labKey[view]].rects).length > 0, 60000);
      await waitFrames(p, 10);
      st = await state(p);
      const rects = view === 'sinusoid' ? st.status.layout : st.status[labKey[view]].rects;
      const bad = Object.entries(rects).filter(([k, v]) => v[2] > 0 && !inside(v, w)).map(([k, v]) => `${k} ${JSON.stringify(v)}`);
      check(bad.length === 0, `${name}: the ${view} view fits the width`, bad.join('; '));
      const v = await shot(p, `${view}-${name}-${w}x${hgt}.png`);
      summary.screenshots.push(v.file);
    }
    // Lesson 1 on the device: taps label the queries.
    st = await openStep(p, 'few-shot', 1);
    await waitFrames(p, 10);
    const l1 = await shot(p, `lesson-few-shot-${name}.png`);
    summary.screenshots.push(l1.file);
    const you = await labelQueries(p, 7, tap);
    check(you.right === 7 && you.wrong === you.total - 7, `${name}: taps label the queries and the score counts them`,
          JSON.stringify(you));
    // The landscape lab: a finger drags theta.
    st = await openStep(p, 'meta-gradients', 5);
    st = await waitFor(p, 'theta on screen', (z) => z.status.landscape.rects.theta && z.status.landscape.rects.meta_plot, 20000);
    const th = st.status.landscape.rects.theta, plot = st.status.landscape.rects.meta_plot;
    const cx = th[0] + th[2] / 2, cy = th[1] + th[3] / 2;
    await swipe(cx, cy, Math.min(plot[0] + plot[2] - 20, cx + plot[2] * 0.3), cy - plot[3] * 0.2);
    st = await waitFor(p, 'theta to move', (z) => z.status.landscape.theta1 > 1.5, 10000);
    check(st.status.landscape.theta2 > 0.1, `${name}: a finger drags theta in the landscape lab`,
          `theta = (${st.status.landscape.theta1}, ${st.status.landscape.theta2})`);
    const land = await shot(p, `lesson-meta-gradients-${name}.png`);
    summary.screenshots.push(land.file);
    checkNoProblems(`on the ${name}`);
    await ctx.close();
  }
}

h.run(main);
