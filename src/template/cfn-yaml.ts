/**
 * CloudFormation YAML → plain JSON-like data, with the short-form tags
 * (`!Ref`, `!Sub`, `!GetAtt`, …) turned into their long form
 * (`{"Ref": …}`, `{"Fn::Sub": …}`), as CloudFormation itself does before
 * anything else reads the template.
 */
import { isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
import { usageError } from '../errors/emu-error.js';

/** Short tags whose long form is not simply `Fn::<Name>`. */
const SPECIAL_TAGS: Record<string, string> = { '!Ref': 'Ref', '!Condition': 'Condition' };

export function parseCfnYaml(text: string, fileName: string): unknown {
  // Unknown tags are kept on their nodes (with a warning we do not need), so
  // we can read them back while converting instead of registering ~17 tags
  // for each of the three node kinds.
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: false });
  const error = document.errors[0];
  if (error !== undefined) throw usageError(`${fileName}: not valid YAML: ${error.message.split('\n')[0]}`);
  return toData(document.contents, document);
}

function toData(node: unknown, document: Document): unknown {
  if (node === null || node === undefined) return null;
  if (isAlias(node)) return toData(node.resolve(document), document);
  const value = plainValue(node, document);
  const tag = (node as Node).tag;
  return tag !== undefined && tag.startsWith('!') ? longForm(tag, value) : value;
}

function plainValue(node: unknown, document: Document): unknown {
  if (isScalar(node)) return node.value;
  if (isSeq(node)) return node.items.map((item) => toData(item, document));
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    for (const pair of node.items) {
      const key = toData(pair.key, document);
      out[String(key)] = toData(pair.value, document);
    }
    return out;
  }
  return null;
}

function longForm(tag: string, value: unknown): unknown {
  const special = SPECIAL_TAGS[tag];
  if (special !== undefined) return { [special]: value };
  // `!GetAtt Resource.Attribute` is the one scalar short form with its own syntax.
  if (tag === '!GetAtt' && typeof value === 'string') {
    const dot = value.indexOf('.');
    return { 'Fn::GetAtt': dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)] };
  }
  return { [`Fn::${tag.slice(1)}`]: value };
}
