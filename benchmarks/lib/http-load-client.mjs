// A lean keep-alive HTTP/1.1 load client, run in its own process so its CPU is never counted as
// the server's. Usage: node http-load-client.mjs <url> <connections> <durationMs>
// Each connection sends its next GET when the last answer is complete (no pipelining). Prints one
// JSON line: requests, wallMs, p50Ms, p99Ms, errors, cpuMs (this client's own).
import { connect } from 'node:net';

const [urlText, connectionsText, durationText] = process.argv.slice(2);
const url = new URL(urlText);
const connections = Number(connectionsText);
const durationMs = Number(durationText);
const requestBytes = Buffer.from(`GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nUser-Agent: emu-bench\r\n\r\n`);
const latenciesMs = [];
let errors = 0;
const cpuBefore = process.cpuUsage();
const started = performance.now();
const endsAt = started + durationMs;

/** How many bytes of `buffer` one complete response takes (Content-Length or chunked), or -1 if incomplete. */
function responseLength(buffer) {
  const headEnd = buffer.indexOf('\r\n\r\n');
  if (headEnd < 0) return -1;
  const head = buffer.toString('latin1', 0, headEnd);
  if (!head.startsWith('HTTP/1.1 200')) errors++;
  const length = /\r\ncontent-length: *(\d+)/i.exec(head);
  if (length !== null) {
    const total = headEnd + 4 + Number(length[1]);
    return buffer.length >= total ? total : -1;
  }
  if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
    const end = buffer.indexOf('\r\n0\r\n\r\n', headEnd);
    return end < 0 ? -1 : end + 7;
  }
  return headEnd + 4;
}

function runConnection() {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    socket.setNoDelay(true);
    let pending = Buffer.alloc(0);
    let sentAt = 0;
    const send = () => {
      if (performance.now() >= endsAt) return void socket.end(resolve);
      sentAt = performance.now();
      socket.write(requestBytes);
    };
    socket.on('connect', send);
    socket.on('data', (chunk) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      const length = responseLength(pending);
      if (length < 0) return;
      latenciesMs.push(performance.now() - sentAt);
      pending = pending.subarray(length);
      send();
    });
    socket.on('error', reject);
  });
}

await Promise.all(Array.from({ length: connections }, runConnection));
const wallMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
latenciesMs.sort((a, b) => a - b);
const at = (q) => latenciesMs[Math.min(latenciesMs.length - 1, Math.floor(q * latenciesMs.length))] ?? 0;
process.stdout.write(`${JSON.stringify({ requests: latenciesMs.length, wallMs, p50Ms: at(0.5), p99Ms: at(0.99), errors, cpuMs: (cpu.user + cpu.system) / 1000 })}\n`);
