// A lean HTTP/1.1 client for the Lambda Runtime API over one keep-alive socket.
// Why not node:http or fetch: node:http costs ~0.2 ms more per round trip and
// fetch gives up on a response after 300 s, which would break an idle warm
// sandbox's long poll on /next. Requests are pipelined in order on the socket.
const net = process.getBuiltinModule('node:net'); // no ESM facade: see handler-loader.mjs

const API_PREFIX = '/2018-06-01';
const HEADER_END = Buffer.from('\r\n\r\n');

export class RuntimeApiClient {
  #host;
  #port;
  #socket = null;
  #pending = []; // FIFO of { resolve, reject, isNext } awaiting a response
  #buffer = Buffer.alloc(0);
  #onLost;

  /** @param {string} address host:port  @param {() => void} onLost called if the API goes away mid-request */
  constructor(address, onLost) {
    const colon = address.lastIndexOf(':');
    this.#host = address.slice(0, colon) || '127.0.0.1';
    this.#port = Number(address.slice(colon + 1));
    this.#onLost = onLost;
  }

  next() {
    return this.#request('GET', `${API_PREFIX}/runtime/invocation/next`, null, null, true);
  }

  postResponse(requestId, body) {
    return this.#request('POST', `${API_PREFIX}/runtime/invocation/${requestId}/response`, body, null);
  }

  postError(requestId, payload) {
    return this.#request('POST', `${API_PREFIX}/runtime/invocation/${requestId}/error`, JSON.stringify(payload), null);
  }

  postInitError(payload) {
    const header = `Lambda-Runtime-Function-Error-Type: ${payload.errorType}\r\n`;
    return this.#request('POST', `${API_PREFIX}/runtime/init/error`, JSON.stringify(payload), header);
  }

  #request(method, path, body, extraHeaders, isNext = false) {
    const socket = this.#connect();
    const payload = body === null ? null : Buffer.from(body, 'utf8');
    let head = `${method} ${path} HTTP/1.1\r\nHost: ${this.#host}\r\n`;
    if (payload !== null) head += `Content-Type: application/json\r\nContent-Length: ${payload.length}\r\n`;
    if (extraHeaders) head += extraHeaders;
    head += '\r\n';
    socket.ref(); // a request in flight keeps the process alive; see #settle
    if (payload === null || payload.length < 65536) {
      socket.write(payload === null ? head : Buffer.concat([Buffer.from(head), payload]));
    } else {
      socket.write(head);
      socket.write(payload);
    }
    return new Promise((resolve, reject) => this.#pending.push({ resolve, reject, isNext }));
  }

  #connect() {
    if (this.#socket !== null) return this.#socket;
    const socket = net.connect({ host: this.#host, port: this.#port, noDelay: true });
    socket.on('data', (chunk) => this.#onData(chunk));
    socket.on('error', () => {}); // 'close' follows and says what matters
    socket.on('close', () => this.#onClose(socket));
    this.#socket = socket;
    return socket;
  }

  #onClose(socket) {
    if (this.#socket === socket) this.#socket = null;
    this.#buffer = Buffer.alloc(0);
    const lost = this.#pending;
    this.#pending = [];
    // The supervisor is gone (or killed our connection): nobody will ever send
    // another event, so a sandbox must not linger as an orphan.
    if (lost.length > 0) return this.#onLost();
    // Closed while idle or mid-handler: a live server takes a new connection, a dead one refuses it.
    const probe = this.#connect();
    probe.unref();
    probe.once('error', () => this.#onLost());
  }

  #onData(chunk) {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      const response = parseResponse(this.#buffer);
      if (response === null) return;
      this.#buffer = this.#buffer.subarray(response.consumed);
      const waiter = this.#pending.shift();
      if (this.#pending.length === 0) this.#socket?.unref();
      waiter?.resolve(response);
    }
  }
}

/** Parses one complete response from the front of buf, or returns null if more bytes are needed. */
function parseResponse(buf) {
  const headerEnd = buf.indexOf(HEADER_END);
  if (headerEnd === -1) return null;
  const lines = buf.toString('latin1', 0, headerEnd).split('\r\n');
  const status = Number(lines[0].split(' ')[1]);
  const headers = {};
  for (let i = 1; i < lines.length; i++) {
    const colon = lines[i].indexOf(':');
    if (colon > 0) headers[lines[i].slice(0, colon).toLowerCase()] = lines[i].slice(colon + 1).trim();
  }
  const bodyStart = headerEnd + 4;
  if (headers['transfer-encoding'] === 'chunked') return parseChunked(buf, bodyStart, status, headers);
  const length = Number(headers['content-length'] ?? 0);
  if (buf.length < bodyStart + length) return null;
  return { status, headers, body: buf.subarray(bodyStart, bodyStart + length), consumed: bodyStart + length };
}

// Other Runtime API servers (Go's net/http in RIE) may answer chunked.
function parseChunked(buf, start, status, headers) {
  const parts = [];
  let at = start;
  for (;;) {
    const lineEnd = buf.indexOf('\r\n', at);
    if (lineEnd === -1) return null;
    const size = parseInt(buf.toString('latin1', at, lineEnd), 16);
    if (Number.isNaN(size)) throw new Error('malformed chunked response from the Runtime API');
    const dataStart = lineEnd + 2;
    if (size === 0) {
      const trailerEnd = buf.indexOf(HEADER_END, lineEnd);
      const end = buf.indexOf('\r\n', dataStart) === dataStart ? dataStart + 2 : trailerEnd === -1 ? -1 : trailerEnd + 4;
      if (end === -1) return null;
      return { status, headers, body: Buffer.concat(parts), consumed: end };
    }
    if (buf.length < dataStart + size + 2) return null;
    parts.push(buf.subarray(dataStart, dataStart + size));
    at = dataStart + size + 2;
  }
}
