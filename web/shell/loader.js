// Starts MetaLab: sizes the canvas for the screen, loads app.js (which loads
// app.wasm), shows a loading message, and shows a readable error in the page
// when something fails. No external URLs: everything comes from this folder.
//
// For tests and debugging, window.metalab holds:
//   frames        frames drawn so far
//   firstFrameMs  time from navigation start to the first drawn frame
//   status        the app's state snapshot (view, display, task, layout)
//   error         the error shown in the page, if any
(function () {
  'use strict';
  var canvas = document.getElementById('canvas');
  var overlay = document.getElementById('overlay');
  var message = document.getElementById('message');
  var detail = document.getElementById('detail');
  var metalab = (window.metalab = { frames: 0, firstFrameMs: null, status: null, error: null });

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
    message.textContent = 'MetaLab could not start';
    detail.textContent = text;
  }

  if (typeof WebAssembly !== 'object') {
    showError('This browser does not support WebAssembly. Please use a current Firefox, Chrome, Edge or Safari.');
    return;
  }
  var probe = document.createElement('canvas').getContext('webgl2');
  if (probe) {
    var lose = probe.getExtension('WEBGL_lose_context');
    if (lose) lose.loseContext();  // only a probe: give the context back at once
  } else {
    showError('This browser cannot create a WebGL2 context. MetaLab draws with WebGL2: please use a current ' +
              'browser and check that hardware acceleration (graphics acceleration) is enabled.');
    return;
  }

  window.Module = {
    canvas: canvas,
    print: function (text) { console.log(text); },
    printErr: function (text) { console.warn(text); },
    onAbort: function (what) {
      showError('The WebAssembly module stopped: ' + what +
                '\nIf app.wasm could not be downloaded, check that the page is served over http ' +
                '(scripts/serve.sh), not opened as a file.');
    },
    // Called from the C++ side (web/platform/main_emscripten.cpp).
    metalabShowError: showError,
    metalabStatus: function (json) {
      try { metalab.status = JSON.parse(json); } catch (e) { console.error('MetaLab: bad status JSON: ' + e); }
    },
    metalabFrame: function (n) {
      metalab.frames = n;
      if (metalab.firstFrameMs === null) {
        metalab.firstFrameMs = Math.round(performance.now());
        if (!metalab.error) overlay.hidden = true;
        console.log('MetaLab: first frame ' + metalab.firstFrameMs + ' ms after navigation start');
      }
    }
  };

  window.addEventListener('error', function (e) {
    if (e.target && e.target.tagName === 'SCRIPT') return;  // handled by script.onerror
    showError((e.message || 'script error') + (e.filename ? ' (' + e.filename + ':' + e.lineno + ')' : ''));
  }, true);
  window.addEventListener('unhandledrejection', function (e) {
    showError('Unhandled error: ' + (e.reason && e.reason.message ? e.reason.message : e.reason));
  });

  var script = document.createElement('script');
  script.src = 'app.js';
  script.async = true;
  script.onerror = function () {
    showError('Could not load app.js. Build the page with scripts/build-web.sh and serve the build folder ' +
              'with scripts/serve.sh (http://127.0.0.1:8080/).');
  };
  document.body.appendChild(script);
})();
