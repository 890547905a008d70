// When a body travels base64-encoded, in events and in results: the rules a handler's body depends on.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encodeBody, isTextContentType, isValidUtf8, matchesMediaTypes } from '../src/http/body-encoding.js';

describe('isTextContentType (payload 2.0 sends these as text)', () => {
  test('text/*, JSON, JavaScript, ECMAScript, XML, YAML and +json/+xml, with parameters and in any case', () => {
    for (const type of [
      'text/plain',
      'TEXT/HTML; charset=utf-8',
      'application/json',
      ' Application/JSON ;charset=utf-8',
      'application/javascript',
      'application/ecmascript',
      'application/xml',
      'application/yaml',
      'application/vnd.api+json',
      'application/atom+xml',
    ]) {
      assert.equal(isTextContentType(type), true, type);
    }
  });

  test('form posts, binary types, near misses and no content type are not text', () => {
    for (const type of [undefined, '', 'application/x-www-form-urlencoded', 'image/png', 'application/octet-stream', 'multipart/form-data', 'application/jsonx', 'xtext/plain', 'application/json+zip']) {
      assert.equal(isTextContentType(type), false, String(type));
    }
  });
});

describe('matchesMediaTypes (a REST API binaryMediaTypes entry)', () => {
  test('exact, major/* and */* entries; parameters, spaces and case ignored', () => {
    assert.equal(matchesMediaTypes('image/png', ['image/png']), true);
    assert.equal(matchesMediaTypes('Image/PNG; q=1', [' image/png ']), true);
    assert.equal(matchesMediaTypes('image/webp', ['text/plain', 'IMAGE/*']), true);
    assert.equal(matchesMediaTypes('application/pdf', ['*/*']), true);
    assert.equal(matchesMediaTypes(' image/png ; q=1', ['image/png']), true, 'spaces around the type, as a function may write it');
  });

  test('no match: another type, another major type, no entries, no content type', () => {
    assert.equal(matchesMediaTypes('image/png', ['image/gif']), false);
    assert.equal(matchesMediaTypes('text/png', ['image/*']), false);
    assert.equal(matchesMediaTypes('image/png', []), false);
    assert.equal(matchesMediaTypes(undefined, ['*/*']), false);
    assert.equal(matchesMediaTypes('image/png', ['image/png2', 'image']), false);
  });
});

describe('isValidUtf8 and encodeBody', () => {
  test('valid UTF-8 (multi-byte included) is text; a stray byte or a cut character is not', () => {
    assert.equal(isValidUtf8(Buffer.from('héllo 🎉')), true);
    assert.equal(isValidUtf8(Buffer.from([0x68, 0xff])), false);
    assert.equal(isValidUtf8(Buffer.from('🎉').subarray(0, 3)), false);
  });

  test('an empty body is absent, never base64', () => {
    assert.deepEqual(encodeBody(Buffer.alloc(0), true), { body: undefined, isBase64Encoded: false });
    assert.deepEqual(encodeBody(Buffer.alloc(0), false), { body: undefined, isBase64Encoded: false });
  });

  test('text stays text; binary by type, or bytes that are not UTF-8, travel base64', () => {
    assert.deepEqual(encodeBody(Buffer.from('héllo'), false), { body: 'héllo', isBase64Encoded: false });
    assert.deepEqual(encodeBody(Buffer.from('héllo'), true), { body: Buffer.from('héllo').toString('base64'), isBase64Encoded: true });
    const bytes = Buffer.from([0xde, 0xad, 0xbe, 0xef]);
    assert.deepEqual(encodeBody(bytes, false), { body: '3q2+7w==', isBase64Encoded: true }, 'not UTF-8: base64 even for a text type, so no byte is lost');
  });
});
