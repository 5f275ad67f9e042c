// The server peer: a minimal Node HTTP server that answers each POST with one keep-alive signed POST to TRTC and
// its RequestId. Prints {"msg":"listening","port":N} like dist/server.js.
'use strict';
const http = require('node:http');
const { signedPost } = require('./raw-post.cjs');
const agent = new http.Agent({ keepAlive: true });
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    signedPost(process.env.TRTC_ENDPOINT, JSON.parse(Buffer.concat(chunks).toString('utf8')), agent).then(
      (id) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ Response: { RequestId: id } }));
      },
      () => {
        res.writeHead(502);
        res.end();
      },
    );
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ msg: 'listening', port: server.address().port })}\n`));
