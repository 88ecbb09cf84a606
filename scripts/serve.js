#!/usr/bin/env node
// A tiny static file server for the built page (no dependencies).
//   node scripts/serve.js DIR [PORT]      (PORT 0 = any free port)
// Listens on 127.0.0.1 only. Also a module: require('./serve.js').serve(dir, port)
// resolves to { server, port, url } (the browser test uses it).
'use strict';
const http = require('http');
const fs = require('fs');
const path = require('path');

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.safetensors': 'application/octet-stream',
  '.data': 'application/octet-stream',
  '.ttf': 'font/ttf',
};

function handler(root) {
  return (req, res) => {
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url, 'http://127.0.0.1').pathname);
    } catch (e) {
      res.writeHead(400).end('bad request\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end('method not allowed\n');
      return;
    }
    if (pathname.endsWith('/')) pathname += 'index.html';
    const file = path.resolve(root, '.' + pathname);
    if (file !== root && !file.startsWith(root + path.sep)) {  // no escaping the served folder
      res.writeHead(403).end('forbidden\n');
      return;
    }
    fs.stat(file, (err, st) => {
      if (err || !st.isFile()) {
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`not found: ${pathname}\n`);
        return;
      }
      res.writeHead(200, {
        'Content-Type': MIME[path.extname(file).toLowerCase()] || 'application/octet-stream',
        'Content-Length': st.size,
        'Cache-Control': 'no-cache',  // always revalidate: rebuilt files show up on reload
        'X-Content-Type-Options': 'nosniff',
      });
      if (req.method === 'HEAD') {
        res.end();
        return;
      }
      fs.createReadStream(file).on('error', () => res.destroy()).pipe(res);
    });
  };
}

// Starts serving `dir` on 127.0.0.1:`port`. Rejects with a readable message if the port is taken.
function serve(dir, port = 0) {
  const root = path.resolve(dir);
  return new Promise((resolve, reject) => {
    if (!fs.existsSync(path.join(root, 'index.html'))) {
      reject(new Error(`${root}/index.html not found: build the page first (scripts/build-web.sh)`));
      return;
    }
    const server = http.createServer(handler(root));
    server.once('error', (err) => {
      if (err.code === 'EADDRINUSE') {
        reject(new Error(`port ${port} on 127.0.0.1 is already in use; pick another: scripts/serve.sh PORT ` +
                         `(or METALAB_PORT=PORT)`));
      } else if (err.code === 'EACCES') {
        reject(new Error(`not allowed to listen on port ${port}; use a port above 1023`));
      } else {
        reject(err);
      }
    });
    server.listen(port, '127.0.0.1', () => {
      const actual = server.address().port;
      resolve({ server, port: actual, url: `http://127.0.0.1:${actual}/` });
    });
  });
}

module.exports = { serve, MIME };

if (require.main === module) {
  const [dir, portArg] = process.argv.slice(2);
  if (!dir) {
    console.error('usage: node scripts/serve.js DIR [PORT]');
    process.exit(2);
  }
  const port = portArg === undefined ? 8080 : Number(portArg);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`serve.js: bad port '${portArg}'`);
    process.exit(2);
  }
  serve(dir, port).then(
    ({ url }) => {
      console.log(`MetaLab is served at ${url}  (folder ${path.resolve(dir)}; Ctrl+C to stop)`);
    },
    (err) => {
      console.error(`serve.js: ${err.message}`);
      process.exit(1);
    });
}
