// The reference point for the HTTP benchmarks: the plainest node:http server, run as its own process
// like the agent. GET answers a fixed small JSON body shaped like a Consul KV read; PUT (and POST)
// read the request body, then answer `true` like a Consul KV write.
// Usage: node dist/bench/bare-http-server.js <ip> <port>; prints "listening" when ready.
import { createServer } from 'node:http';

const [ip = '127.0.0.51', port = '8500'] = process.argv.slice(2);
const getBody = Buffer.from(
  '[{"LockIndex":0,"Key":"bench/get","Flags":0,"Value":"MDEyMzQ1Njc4OWFiY2RlZg==","CreateIndex":5,"ModifyIndex":5}]',
);
const putBody = Buffer.from('true');

const server = createServer((req, res) => {
  if (req.method === 'GET') {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': getBody.length });
    res.end(getBody);
    return;
  }
  let size = 0;
  req.on('data', (chunk: Buffer) => (size += chunk.length));
  req.on('end', () => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': putBody.length });
    res.end(putBody);
  });
});
server.keepAliveTimeout = 30_000;
server.listen(Number(port), ip, () => process.stdout.write('listening\n'));
process.on('SIGTERM', () => process.exit(0));
