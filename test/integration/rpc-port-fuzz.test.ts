// Garbage on the server port (8300) closes that connection and nothing else: unknown protocol
// bytes, undecodable frames, huge length prefixes, random bytes after a valid protocol byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { startAgent, http } from '../support/agent-process.js';

function sendAndWaitClose(host: string, bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port: 8300 }, () => s.end(bytes));
    s.on('data', () => {});
    s.on('error', () => {}); // a reset is a close too
    s.on('close', () => resolve());
    setTimeout(() => {
      s.destroy();
      reject(new Error(`connection left open after ${bytes.length} garbage bytes`));
    }, 15_000).unref();
  });
}

test('the server port survives garbage and keeps serving raft and RPC', async () => {
  const agent = await startAgent({ ip: '127.0.0.29' });
  try {
    const huge = Buffer.alloc(5);
    huge[0] = 0x04;
    huge.writeUInt32BE(0xffffffff, 1);
    const cases: Buffer[] = [
      Buffer.from([0x99, 1, 2, 3]), // unknown protocol byte
      huge, // multiplexed RPC with a 4 GiB frame length
      Buffer.concat([Buffer.from([0x01, 0, 0, 0, 8]), Buffer.from([0xc1, 0xc1, 0xc1, 0xc1, 0xc1, 0xc1, 0xc1, 0xc1])]), // raft, undecodable
      Buffer.concat([Buffer.from([0x04, 0, 0, 0, 3]), Buffer.from([0x93, 0x01, 0x02])]), // RPC frame that is not a request
    ];
    for (let i = 0; i < 40; i++) cases.push(Buffer.concat([Buffer.from([i % 2 ? 0x01 : 0x04]), randomBytes(1 + (i * 37) % 900)]));
    for (const c of cases) await sendAndWaitClose(agent.ip, c);
    // Still a working server: writes go through raft, and the RPC port answers a real client.
    const w = await http(agent.base, 'PUT', '/v1/kv/after-garbage', 'ok');
    assert.equal(w.text.trim(), 'true');
    assert.equal((await http(agent.base, 'GET', '/v1/status/leader')).json(), `${agent.ip}:8300`);
    const { RpcPool } = await import('../../src/rpc/mux.js');
    const pool = new RpcPool();
    try {
      assert.deepEqual(await pool.call(`${agent.ip}:8300`, 'Status.Peers', {}), [`${agent.ip}:8300`]);
    } finally {
      pool.close();
    }
  } finally {
    await agent.stop();
  }
});
