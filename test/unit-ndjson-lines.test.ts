// Reading an NDJSON event stream: line numbers a developer can find in an editor, events passed on exactly as written.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { jsonProblem, readNdjsonLines, type NdjsonLine } from '../src/stream/ndjson-lines.js';

async function readAll(chunks: Array<Buffer | string>): Promise<NdjsonLine[]> {
  const lines: NdjsonLine[] = [];
  for await (const line of readNdjsonLines((async function* () {
    yield* chunks;
  })())) lines.push(line);
  return lines;
}

describe('readNdjsonLines', () => {
  test('blank and whitespace-only lines are skipped but counted; text is trimmed; a last line needs no line break', async () => {
    assert.deepEqual(await readAll(['{"a":1}\n\n  \n\t{"b":2}  \r\n{"c":3}']), [
      { line: 1, text: '{"a":1}' },
      { line: 4, text: '{"b":2}' },
      { line: 5, text: '{"c":3}' },
    ]);
  });

  test('a trailing line break adds no line; empty input gives none', async () => {
    assert.deepEqual(await readAll(['{"a":1}\n']), [{ line: 1, text: '{"a":1}' }]);
    assert.deepEqual(await readAll([]), []);
    assert.deepEqual(await readAll(['', '\n', '   ']), []);
  });

  test('a line split over many chunks is joined, from strings or bytes', async () => {
    assert.deepEqual(await readAll(['{"a"', ':', '1}\n{"b"', ':2}']), [
      { line: 1, text: '{"a":1}' },
      { line: 2, text: '{"b":2}' },
    ]);
    assert.deepEqual(await readAll([Buffer.from('{"x":'), Buffer.from('"y"}\n'), Buffer.from('\n{"z":0}\n')]), [
      { line: 1, text: '{"x":"y"}' },
      { line: 3, text: '{"z":0}' },
    ]);
  });

  test('a multi-byte character cut between two chunks arrives whole', async () => {
    const bytes = Buffer.from('{"name":"Jürgen 🎉"}\n');
    const cut = bytes.indexOf(0xf0) + 2;
    assert.deepEqual(await readAll([bytes.subarray(0, cut), bytes.subarray(cut)]), [{ line: 1, text: '{"name":"Jürgen 🎉"}' }]);
    const tail = Buffer.from('{"e":"é"}');
    assert.deepEqual(await readAll([tail.subarray(0, tail.length - 3), tail.subarray(tail.length - 3)]), [{ line: 1, text: '{"e":"é"}' }]);
  });

  test('a byte order mark at the very start is dropped, even after an empty first chunk; inside a line it is kept', async () => {
    assert.deepEqual(await readAll(['\uFEFF{"a":1}\n']), [{ line: 1, text: '{"a":1}' }]);
    assert.deepEqual(await readAll([Buffer.alloc(0), Buffer.from('\uFEFF{"a":1}')]), [{ line: 1, text: '{"a":1}' }]);
    assert.deepEqual(await readAll(['"x\uFEFFy"\n']), [{ line: 1, text: '"x\uFEFFy"' }], 'only a leading BOM goes, even in the first chunk');
    assert.deepEqual(await readAll(['{"a":1}\n', '"x\uFEFFy"']), [
      { line: 1, text: '{"a":1}' },
      { line: 2, text: '"x\uFEFFy"' },
    ]);
  });

  test('only JSON whitespace (space, tab, CR) is trimmed: a line of other Unicode spaces, or a mid-stream BOM, is not blank', async () => {
    assert.deepEqual(await readAll(['\u00A0\n', ' \t{"a":1}\t \r\n', '\uFEFF{"b":2}\n', '\u2028']), [
      { line: 1, text: '\u00A0' },
      { line: 2, text: '{"a":1}' },
      { line: 3, text: '\uFEFF{"b":2}' },
      { line: 4, text: '\u2028' },
    ]);
  });

  test('events are passed on as written, never re-serialised: big integers and key order survive', async () => {
    const text = '{"id":12345678901234567890,"b":1,"a":2.50}';
    assert.deepEqual(await readAll([`${text}\n`]), [{ line: 1, text }]);
  });

  test('the next chunk is pulled only when the next line is asked for (back-pressure)', async () => {
    let pulled = 0;
    const input = (async function* () {
      for (const chunk of ['1\n2\n', '3\n', '4\n']) {
        pulled += 1;
        yield chunk;
      }
    })();
    const lines = readNdjsonLines(input);
    assert.equal((await lines.next()).value?.text, '1');
    assert.equal(pulled, 1);
    assert.equal((await lines.next()).value?.text, '2');
    assert.equal(pulled, 1, 'the second line was already in the first chunk');
    assert.equal((await lines.next()).value?.text, '3');
    assert.equal(pulled, 2);
    await lines.return(undefined);
  });
});

describe('jsonProblem', () => {
  test('one JSON value of any kind is fine', () => {
    for (const text of ['{}', '[]', '"x"', '0', 'null', ' {"a": [1, 2]} ']) assert.equal(jsonProblem(text), undefined, text);
  });

  test("V8's reason, with its 0-based position turned into a 1-based column", () => {
    assert.equal(jsonProblem('{"a":1'), "Expected ',' or '}' after property value at column 7");
    assert.equal(jsonProblem('"abc'), 'Unterminated string at column 5');
    assert.equal(jsonProblem('{"key":"value"'), "Expected ',' or '}' after property value at column 15");
    assert.equal(jsonProblem(''), 'Unexpected end of JSON input');
    assert.match(jsonProblem('{"a":}') as string, /^Unexpected token '}'/);
  });
});
