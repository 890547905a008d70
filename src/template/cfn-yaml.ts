/**
 * CloudFormation YAML → plain JSON-like data, with the short-form tags
 * (`!Ref`, `!Sub`, `!GetAtt`, …) turned into their long form
 * (`{"Ref": …}`, `{"Fn::Sub": …}`), as CloudFormation itself does before
 * anything else reads the template. Every refusal names the line.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Alias, type Document, type Node } from 'yaml';
import { usageError } from '../errors/emu-error.js';
import { setOwn, textOf } from './plain-data.js';

/** CloudFormation's short forms; any other tag is a typo that CloudFormation would refuse on deploy. */
const SHORT_TAGS = new Set([
  '!Ref', '!Condition', '!Base64', '!Cidr', '!FindInMap', '!GetAtt', '!GetAZs', '!ImportValue', '!Join', '!Select',
  '!Split', '!Sub', '!Transform', '!And', '!Equals', '!If', '!Not', '!Or', '!Length', '!ToJsonString',
]);
/** Short tags whose long form is not simply `Fn::<Name>`. */
const SPECIAL_TAGS: Record<string, string> = { '!Ref': 'Ref', '!Condition': 'Condition' };
/** What aliases may expand to in all: far more than a real template needs, far less than an alias bomb. */
const MAX_ALIAS_VALUES = 10_000;

export function parseCfnYaml(text: string, fileName: string): unknown {
  const lines = new LineCounter();
  // Unknown tags are kept on their nodes (with a warning), so we can check
  // them against CloudFormation's list and read them back while converting.
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: false, lineCounter: lines });
  const at = (offset: number): string => {
    const { line, col } = lines.linePos(offset);
    return `line ${line}, column ${col}`;
  };
  const error = document.errors[0];
  if (error !== undefined) throw usageError(`${fileName}: not valid YAML at ${at(error.pos[0])}: ${error.message.split('\n')[0]}`);
  for (const warning of document.warnings) {
    const tag = text.slice(warning.pos[0], warning.pos[1]);
    if (warning.code === 'TAG_RESOLVE_FAILED' && !SHORT_TAGS.has(tag)) {
      throw usageError(`${fileName}: unknown tag ${tag} at ${at(warning.pos[0])} (CloudFormation's are ${[...SHORT_TAGS].join(', ')})`);
    }
  }
  return new Converter(document, fileName, (node) => at(node.range?.[0] ?? 0)).toData(document.contents);
}

class Converter {
  readonly #document: Document;
  readonly #fileName: string;
  /** `line N, column C` of a node, for errors. */
  readonly #where: (node: Node) => string;
  /** The anchored nodes being expanded right now: meeting one again is an alias inside itself. */
  readonly #expanding = new Set<unknown>();
  #aliasValues = 0;

  constructor(document: Document, fileName: string, where: (node: Node) => string) {
    this.#document = document;
    this.#fileName = fileName;
    this.#where = where;
  }

  toData(node: unknown): unknown {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) return this.#aliasData(node);
    if (this.#expanding.size > 0 && ++this.#aliasValues > MAX_ALIAS_VALUES) {
      throw usageError(`${this.#fileName}: aliases expand to more than ${MAX_ALIAS_VALUES} values (at ${this.#where(node as Node)})`);
    }
    const value = this.#plainValue(node);
    const tag = (node as Node).tag;
    return tag !== undefined && SHORT_TAGS.has(tag) ? longForm(tag, value) : value;
  }

  #aliasData(alias: Alias): unknown {
    const target = alias.resolve(this.#document);
    if (target === undefined) throw usageError(`${this.#fileName}: alias *${alias.source} at ${this.#where(alias)} has no anchor`);
    if (this.#expanding.has(target)) throw usageError(`${this.#fileName}: alias *${alias.source} at ${this.#where(alias)} refers to itself`);
    this.#expanding.add(target);
    try {
      return this.toData(target);
    } finally {
      this.#expanding.delete(target);
    }
  }

  #plainValue(node: unknown): unknown {
    if (isScalar(node)) return node.value;
    if (isSeq(node)) return node.items.map((item) => this.toData(item));
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      for (const pair of node.items) {
        setOwn(out, textOf(this.toData(pair.key)), this.toData(pair.value));
      }
      return out;
    }
    return null;
  }
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
