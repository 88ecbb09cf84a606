// Starts MetaLab: sizes the canvas for the screen, loads app.js (which loads
// app.wasm), shows a loading message, and shows a readable error in the page
// when something fails. No external URLs: everything comes from this folder.
//
// It also moves data between the page and the app: the URL hash (read at
// start and on hashchange, written with history.replaceState), the assets
// listed in assets.json (shipped checkpoints, the expression CSV: fetched after
// start-up and handed to the app), checkpoint downloads (a Blob) and uploads
// (the <input type=file> or a file dropped on the page).
//
// For tests and debugging, window.metalab holds:
//   frames        frames drawn so far
//   firstFrameMs  time from navigation start to the first drawn frame
//   status        the app's state snapshot (view, display, task, layout, labs)
//   error         the error shown in the page, if any
//   workMs        wasm work (ms) of each of the last 300 frames, oldest first: events,
//                 UI, training, status (WebGL calls not included, see glMs)
//   glMs          time spent in WebGL calls for the same frames (with a GPU: well
//                 under 1 ms; headless software rendering blocks here)
//   workStats()   {n, median, p90, max, glMedian} of workMs
//   assetsLoaded  names of the assets handed to the app
//   lastDownload  {name, size} of the last checkpoint download
//   mainMs        time from navigation start to main() (download + compile + instantiate)
//   lessons       the ids of the lessons (assets/lessons), for links #lesson=ID&step=N
//   status.lesson the open lesson, {id, step, steps, phase, ...}, or null
//   features      {simd, exceptions}: what this browser's WebAssembly has (app.wasm needs both)
(function () {
  'use strict';
  var canvas = document.getElementById('canvas');
  var overlay = document.getElementById('overlay');
  var message = document.getElementById('message');
  var detail = document.getElementById('detail');
  // The language of these messages (shown before the app and its string
  // tables exist): lang= in the link, else the browser's, as the app decides
  // (web/app/page/url_state.h).
  var zh = (function () {
    var m = /(?:^#|&)lang=([a-z]+)/.exec(window.location.hash);
    if (m) return m[1] === 'zh';
    var first = (navigator.languages && navigator.languages[0]) || navigator.language || '';
    return /^zh(?:$|[-_])/i.test(first);
  })();
  function T(en, chinese) { return zh ? chinese : en; }
  if (zh) {
    document.documentElement.lang = 'zh-CN';
    document.title = 'MetaLab：学会学习';
    message.textContent = '正在加载 MetaLab……';
    detail.textContent = '正在下载并编译 WebAssembly 模块。';
  }
  var metalab = (window.metalab = { frames: 0, firstFrameMs: null, status: null, error: null, workMs: [], glMs: [],
                                    assetsLoaded: [], lastDownload: null, lessons: [] });
  var WORK_RING = 300;
  metalab.workStats = function () {
    var v = metalab.workMs.slice().sort(function (a, b) { return a - b; });
    var g = metalab.glMs.slice().sort(function (a, b) { return a - b; });
    if (!v.length) return { n: 0, median: null, p90: null, max: null, glMedian: null };
    return { n: v.length, median: v[Math.floor((v.length - 1) / 2)], p90: v[Math.floor((v.length - 1) * 0.9)],
             max: v[v.length - 1], glMedian: g[Math.floor((g.length - 1) / 2)] };
  };

  // CSS size = the window; backing store = CSS size x devicePixelRatio, so the
  // app can draw one texel per physical pixel. The app reads both every frame.
  function fitCanvas() {
    var dpr = window.devicePixelRatio || 1;
    var w = Math.max(1, window.innerWidth);
    var h = Math.max(1, window.innerHeight);
    canvas.style.width = w + 'px';
    canvas.style.height = h + 'px';
    var bw = Math.max(1, Math.round(w * dpr));
    var bh = Math.max(1, Math.round(h * dpr));
    if (canvas.width !== bw) canvas.width = bw;
    if (canvas.height !== bh) canvas.height = bh;
  }
  fitCanvas();
  window.addEventListener('resize', fitCanvas);
  // Zooming or moving to another screen changes devicePixelRatio, not always with a resize event.
  (function watchPixelRatio() {
    if (!window.matchMedia) return;
    var mq = window.matchMedia('(resolution: ' + (window.devicePixelRatio || 1) + 'dppx)');
    var onChange = function () {
      if (mq.removeEventListener) mq.removeEventListener('change', onChange);
      fitCanvas();
      watchPixelRatio();
    };
    if (mq.addEventListener) mq.addEventListener('change', onChange);
  })();

  function showError(text) {
    if (metalab.error) return;  // keep the first, it is usually the cause
    metalab.error = String(text);
    console.error('MetaLab: ' + text);
    overlay.hidden = false;
    overlay.classList.add('error');
    message.textContent = T('MetaLab could not start', 'MetaLab 无法启动');
    detail.textContent = text;
  }

  if (typeof WebAssembly !== 'object') {
    showError(T('This browser does not support WebAssembly. Please use a current Firefox, Chrome, Edge or Safari.',
                '此浏览器不支持 WebAssembly。请使用新版 Firefox、Chrome、Edge 或 Safari。'));
    return;
  }
  var probe = document.createElement('canvas').getContext('webgl2');
  if (probe) {
    var lose = probe.getExtension('WEBGL_lose_context');
    if (lose) lose.loseContext();  // only a probe: give the context back at once
  } else {
    showError(T('This browser cannot create a WebGL2 context. MetaLab draws with WebGL2: please use a current ' +
                'browser and check that hardware acceleration (graphics acceleration) is enabled.',
                '此浏览器无法创建 WebGL2 上下文。MetaLab 用 WebGL2 绘制界面：请使用新版浏览器，并确认已开启硬件加速（图形加速）。'));
    return;
  }

  window.Module = {
    canvas: canvas,
    print: function (text) { console.log(text); },
    printErr: function (text) { console.warn(text); },
    onAbort: function (what) {
      showError(T('The WebAssembly module stopped: ' + what +
                  '\nIf app.wasm could not be downloaded, check that the page is served over http ' +
                  '(scripts/serve.sh), not opened as a file.',
                  'WebAssembly 模块已停止：' + what +
                  '\n如果无法下载 app.wasm，请确认页面是通过 http 提供的（scripts/serve.sh），而不是作为本地文件打开。'));
    },
    // Called from the C++ side (web/platform/main_emscripten.cpp).
    metalabShowError: showError,
    metalabLessons: function (json) {
      try { metalab.lessons = JSON.parse(json); } catch (e) { console.error('MetaLab: bad lesson list: ' + e); }
    },
    metalabStatus: function (json) {
      try { metalab.status = JSON.parse(json); } catch (e) { console.error('MetaLab: bad status JSON: ' + e); }
    },
    metalabFrame: function (n, workMs, glMs) {
      metalab.frames = n;
      if (typeof workMs === 'number') {
        metalab.workMs.push(workMs);
        metalab.glMs.push(glMs);
        if (metalab.workMs.length > WORK_RING) metalab.workMs.shift();
        if (metalab.glMs.length > WORK_RING) metalab.glMs.shift();
      }
      if (metalab.firstFrameMs === null) {
        metalab.firstFrameMs = Math.round(performance.now());
        if (!metalab.error) overlay.hidden = true;
        console.log('MetaLab: first frame ' + metalab.firstFrameMs + ' ms after navigation start');
      }
    }
  };

  // A fetch cut short because the user leaves or reloads the page is not an error.
  var leaving = false;
  window.addEventListener('pagehide', function () { leaving = true; });
  window.addEventListener('beforeunload', function () { leaving = true; });

  // ---- data in and out of the wasm heap
  function withHeapBytes(bytes, fn) {
    var p = Module._malloc(Math.max(1, bytes.length));
    Module.HEAPU8.set(bytes, p);
    try { return fn(p, bytes.length); } finally { Module._free(p); }
  }
  function withHeapString(text, fn) {
    return withHeapBytes(new TextEncoder().encode(text + '\0'), function (p) { return fn(p); });
  }
  function passHash() {
    var h = window.location.hash.replace(/^#/, '');
    withHeapString(h, function (p) { Module._metalab_hash(p); });
  }
  function passFile(kind, name, buffer) {
    var bytes = new Uint8Array(buffer);
    withHeapString(name, function (np) {
      withHeapBytes(bytes, function (bp, n) {
        if (kind === 'asset') Module._metalab_asset(np, bp, n);
        else Module._metalab_upload(np, bp, n);
      });
    });
  }
  // Assets: small checkpoints first (they make the first second interesting), the CSV last.
  function fetchAssets() {
    fetch('assets.json').then(function (r) {
      if (!r.ok) throw new Error('HTTP ' + r.status);
      return r.json();
    }).then(function (names) {
      // All checkpoints at once (they are small), then the data.
      var ckpts = names.filter(function (n) { return n.indexOf('checkpoints/') === 0; });
      var rest = names.filter(function (n) { return n.indexOf('checkpoints/') !== 0; });
      var load = function (name) {
        return fetch(name).then(function (r) {
          if (!r.ok) throw new Error('HTTP ' + r.status + ' for ' + name);
          return r.arrayBuffer();
        }).then(function (buf) {
          passFile('asset', name, buf);
          metalab.assetsLoaded.push(name);
        });
      };
      var chain = Promise.all(ckpts.map(load));
      rest.forEach(function (name) { chain = chain.then(function () { return load(name); }); });
      return chain;
    }).catch(function (e) {
      if (leaving) return;
      console.error('MetaLab: could not load the shipped models and data (' + e.message + '); the labs start untrained');
    });
  }
  // Several files at once (images for the classification lab): one upload each, in order.
  function uploadFiles(files) {
    var chain = Promise.resolve();
    Array.prototype.forEach.call(files || [], function (file) {
      chain = chain.then(function () {
        return file.arrayBuffer().then(function (buf) { passFile('upload', file.name, buf); });
      });
    });
  }
  Module.metalabStart = function () {
    metalab.mainMs = Math.round(performance.now());  // wasm compiled and instantiated, main() running
    var langs = (navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || '']);
    withHeapString(Array.prototype.join.call(langs, ','), function (p) { Module._metalab_languages(p); });
    passHash();
    window.addEventListener('hashchange', passHash);
    var input = document.getElementById('upload');
    if (input) {
      input.addEventListener('change', function () {
        uploadFiles(input.files);
        input.value = '';  // the same file can be picked again
      });
    }
    canvas.addEventListener('dragover', function (e) { e.preventDefault(); });
    canvas.addEventListener('drop', function (e) {
      e.preventDefault();
      if (e.dataTransfer && e.dataTransfer.files.length) uploadFiles(e.dataTransfer.files);
    });
    fetchAssets();
  };
  Module.metalabSetHash = function (h) {
    if (window.location.hash.replace(/^#/, '') !== h) history.replaceState(null, '', '#' + h);
  };
  Module.metalabDownload = function (name, bytes) {
    var url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
    var a = document.createElement('a');
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
    metalab.lastDownload = { name: name, size: bytes.length };
  };
  Module.metalabOpenFile = function () {
    var input = document.getElementById('upload');
    if (input) input.click();
  };

  window.addEventListener('error', function (e) {
    if (e.target && e.target.tagName === 'SCRIPT') return;  // handled by script.onerror
    showError((e.message || 'script error') + (e.filename ? ' (' + e.filename + ':' + e.lineno + ')' : ''));
  }, true);
  window.addEventListener('unhandledrejection', function (e) {
    showError(T('Unhandled error: ', '未处理的错误：') + (e.reason && e.reason.message ? e.reason.message : e.reason));
  });

  function loadApp() {
    var script = document.createElement('script');
    script.src = 'app.js';
    script.async = true;
    script.onerror = function () {
      showError(T('Could not load app.js. Build the page with scripts/build-web.sh and serve the build folder ' +
                  'with scripts/serve.sh (http://127.0.0.1:8080/).',
                  '无法加载 app.js。请用 scripts/build-web.sh 构建页面，再用 scripts/serve.sh 提供构建目录（http://127.0.0.1:8080/）。'));
    };
    document.body.appendChild(script);
  }

  // app.wasm is built with WebAssembly SIMD and WebAssembly exception handling
  // (it trains several times faster so); a browser without either cannot even
  // compile it. wasm-feature-detect.js (npm, copied next to this file) asks the
  // browser to validate a tiny module using each feature: no download, no CDN.
  var detect = window.wasmFeatureDetect;
  if (!detect) {
    showError(T('Could not load wasm-feature-detect.js (it checks what this browser\'s WebAssembly supports). ' +
                'Build the page with scripts/build-web.sh and serve the build folder with scripts/serve.sh.',
                '无法加载 wasm-feature-detect.js（它检查此浏览器的 WebAssembly 支持哪些功能）。' +
                '请用 scripts/build-web.sh 构建页面，再用 scripts/serve.sh 提供构建目录。'));
    return;
  }
  Promise.all([detect.simd(), detect.exceptions()]).then(function (has) {
    metalab.features = { simd: has[0], exceptions: has[1] };
    var missing = [];
    if (!has[0]) missing.push(T('SIMD (128-bit vector instructions)', 'SIMD（128 位向量指令）'));
    if (!has[1]) missing.push(T('exception handling', '异常处理'));
    if (missing.length) {
      showError(T('This browser\'s WebAssembly lacks ' + missing.join(' and ') + ', which MetaLab needs to train ' +
                  'its models at full speed. Please use a current browser: Chrome or Edge 95 or later, Firefox 100 ' +
                  'or later, or Safari 16.4 or later.',
                  '此浏览器的 WebAssembly 缺少' + missing.join('和') + '，而 MetaLab 需要它们才能全速训练模型。' +
                  '请使用新版浏览器：Chrome 或 Edge 95 及以上、Firefox 100 及以上，或 Safari 16.4 及以上。'));
      return;
    }
    loadApp();
  }, function (e) {
    showError(T('Could not check this browser\'s WebAssembly features: ', '无法检查此浏览器的 WebAssembly 功能：') +
              (e && e.message ? e.message : e));
  });
})();
