// emu serve's log lines (src/http/line-tagger.ts): every line of a function's output once, whole
// and prefixed with its name, whatever the chunks; a line too long to hold goes out as it comes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lineTagger, MAX_HELD_CHARS } from '../src/http/line-tagger.js';

function tagged(chunks: (string | Buffer)[], flush = true): string[] {
  const out: string[] = [];
  const tagger = lineTagger('fn', (text) => out.push(text));
  for (const chunk of chunks) tagger.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  if (flush) tagger.flush();
  return out;
}

test('lines cut across chunks come out whole, each with its prefix; \\r separators are lines; a last line without newline comes with flush', () => {
  assert.equal(tagged(['one\ntw', 'o\nthr', 'ee\rfour\r\n', 'last']).join(''), '[fn] one\n[fn] two\n[fn] three\n[fn] four\r\n[fn] last\n');
  assert.deepEqual(tagged(['held'], false), [], 'a line without its newline is held');
  assert.deepEqual(tagged([]), [], 'nothing written, nothing flushed');
});

test('a character cut between two chunks is decoded whole', () => {
  const bytes = Buffer.from('é€😀\n');
  const chunks = [...bytes].map((byte) => Buffer.from([byte]));
  assert.equal(tagged(chunks).join(''), '[fn] é€😀\n');
});

test('a line longer than the hold goes out as it comes, prefixed once, and nothing of it is lost', () => {
  const piece = 'y'.repeat(16 * 1024);
  const out: string[] = [];
  const tagger = lineTagger('fn', (text) => out.push(text));
  const pieces = 3 * 1024; // 48 MB without a newline
  for (let i = 0; i < pieces; i++) tagger.write(Buffer.from(piece));
  const written = out.reduce((sum, text) => sum + text.length, 0);
  // Held back at any moment: at most the hold and one chunk.
  assert.ok(pieces * piece.length - written <= MAX_HELD_CHARS + piece.length, `${pieces * piece.length - written} characters held`);
  tagger.write(Buffer.from('end\nnext\n'));
  const text = out.join('');
  assert.equal(text.length, '[fn] '.length + pieces * piece.length + 'end\n[fn] next\n'.length);
  assert.ok(text.startsWith(`[fn] ${piece}`));
  assert.equal(text.indexOf('[fn]', 1), '[fn] '.length + pieces * piece.length + 'end\n'.length, 'the prefix once for the long line, then the next line');
  assert.ok(text.endsWith('yend\n[fn] next\n'));
});

test('flush ends a long line that was going out, with a newline and no second prefix', () => {
  const long = 'z'.repeat(MAX_HELD_CHARS + 10);
  const text = tagged([long, 'tail']).join('');
  assert.equal(text, `[fn] ${long}tail\n`);
});
