/**
 * A function's response headers as they can go on the wire. The result is
 * JSON, so it can hold what HTTP cannot carry: a name that is not a token, a
 * CR or LF (header injection), text beyond Latin-1. API Gateway answers a
 * result it cannot map with its 502 (unconfirmed for these exact cases; it is
 * its answer to every malformed result), and sends other text as UTF-8 bytes.
 * Framing is the gateway's own: it sets Content-Length itself, so a
 * function's framing headers never reach the client (REST APIs remap some to
 * `x-amzn-Remapped-*`; emu drops them).
 */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Controls other than HTAB; DEL included.
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;
const FRAMING = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'trailer', 'te', 'proxy-connection']);

/** The pairs to send (values as Latin-1 strings of their UTF-8 bytes, as Node writes them), or why they cannot be sent. */
export function wireHeaders(pairs: ReadonlyArray<[string, string]>): Array<[string, string]> | { malformed: string } {
  const out: Array<[string, string]> = [];
  for (const [name, value] of pairs) {
    if (!TOKEN.test(name)) return { malformed: `header name ${JSON.stringify(name)} is not a valid HTTP header name` };
    if (CONTROL.test(value)) return { malformed: `header ${name} has a control character in its value` };
    if (FRAMING.has(name.toLowerCase())) continue;
    out.push([name, Buffer.from(value, 'utf8').toString('latin1')]);
  }
  return out;
}
