// The Runtime API's lean hot path (src/runtime-api/lean-connection.ts) against the node:http path it
// hands unusual requests to: the same request gets the same bytes either way (but for Date and the
// deadline), and a request in pieces still goes through node:http.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { RuntimeApiServer } from '../src/runtime-api/runtime-api-server.js';

const NEXT = 'GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n';
const noop = (): void => {};

function server(): RuntimeApiServer {
  return new RuntimeApiServer({ onNext: noop, onDelivered: noop, onResponse: noop, onError: noop, onInitError: noop, onResponseTooLarge: noop, onResponseStream: noop });
}

function open(address: string): { socket: Socket; chunks: string[] } {
  const [host, port] = address.split(':');
  const socket = connect(Number(port), host);
  const chunks: string[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk.toString('latin1')));
  return { socket, chunks };
}

const settle = (ms = 100): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const invocation = (requestId: string) => ({ requestId, eventJson: '{"n":1}', timeoutMs: 3000, invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:f', traceId: 'Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700', clientContextJson: '{"a":1}' });
const normalise = (text: string): string => text.replace(/Date: [^\r]*/g, 'Date: D').replace(/Deadline-Ms: \d+/g, 'Deadline-Ms: N');

/** One invocation's exchange; extraHeader (unknown to the lean path) sends every request through node:http. */
async function exchange(extraHeader: string): Promise<string> {
  const api = server();
  const { socket, chunks } = open(await api.listen());
  try {
    socket.write(`${NEXT}${extraHeader}\r\n`);
    await settle();
    api.deliver(invocation('id-1'));
    await settle();
    for (const id of ['other', 'id-1', 'id-1']) socket.write(`POST /2018-06-01/runtime/invocation/${id}/response HTTP/1.1\r\nHost: x\r\n${extraHeader}Content-Length: 2\r\n\r\n{}`);
    await settle();
    return normalise(chunks.join(''));
  } finally {
    socket.destroy();
    api.close();
  }
}

describe('Runtime API lean path', () => {
  test('answers /next and /response (202, 400, 403) with the bytes node:http sends', async () => {
    const lean = await exchange('');
    const viaHttp = await exchange('X-Through-Node-Http: 1\r\n');
    assert.match(lean, /^HTTP\/1\.1 200 OK\r\n[\s\S]*HTTP\/1\.1 400 [\s\S]*HTTP\/1\.1 202 [\s\S]*HTTP\/1\.1 403 /);
    assert.equal(lean, viaHttp);
  });

  test('a request whose head arrives in pieces is handed to node:http and answered the same', async () => {
    const api = server();
    const { socket, chunks } = open(await api.listen());
    try {
      socket.write('GET /2018-06-01/runtime/invo');
      await settle(50);
      socket.write('cation/next HTTP/1.1\r\nHost: x\r\n\r\n');
      await settle();
      api.deliver(invocation('id-1'));
      await settle();
      assert.match(chunks.join(''), /^HTTP\/1\.1 200 OK\r\n[\s\S]*Lambda-Runtime-Aws-Request-Id: id-1\r\n/);
    } finally {
      socket.destroy();
      api.close();
    }
  });
});
