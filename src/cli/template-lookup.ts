/**
 * `emu run X` and `emu bench X`: is X a function of a SAM template (its
 * logical id, as `sam local invoke` takes it) or a handler string, as before?
 * A logical id is letters and digits only, so a word with a dot is a handler
 * and no template is read, nor even looked for: a one-shot run of a handler
 * pays nothing for templates. Given --template, X must be a logical id.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { usageError } from '../errors/emu-error.js';
import type { SamTemplate, TemplateFunction } from '../template/index.js';
import { functionPlacement, type FunctionFlags } from './function-options.js';
import type { SetupReporter } from './function-setup.js';
import type { TemplateFlags } from './run-options.js';

const DEFAULT_TEMPLATES = ['template.yaml', 'template.yml'];

/** The template function named `word`, or undefined when `word` is a handler string. */
export async function lookUpTemplateFunction(word: string, flags: TemplateFlags, functionFlags: FunctionFlags, reporter: SetupReporter): Promise<TemplateFunction | undefined> {
  const file = flags.file ?? (word.includes('.') ? undefined : defaultTemplateFile());
  if (file === undefined) {
    if (flags.parameterOverrides.length > 0) throw usageError('--parameter-overrides applies to a template function: give its logical id (and --template FILE if there is no ./template.yaml)');
    return undefined;
  }
  const { readSamTemplate, parseParameterOverrides } = await import('../template/index.js');
  const parameterOverrides = parseParameterOverrides(flags.parameterOverrides);
  // The pseudo-parameters AWS::Region and AWS::AccountId are the function's own region and account.
  const template = readSamTemplate(file, { parameterOverrides, ...(await functionPlacement(functionFlags)) });
  const fn = template.functions.find((candidate) => candidate.logicalId === word);
  if (fn === undefined) throw usageError(notFound(word, file, template));
  // Only what concerns this function: its events, routes and the template's other resources are serve's business.
  for (const warning of template.functionWarnings[word] ?? []) reporter.warning(warning);
  if (reporter.verbose) {
    const codeDir = path.relative(process.cwd(), fn.codeDir) || '.';
    reporter.notice(`${word} from ${file}: handler ${fn.handler} in ${codeDir}, ${fn.runtime}, ${fn.architecture ?? 'x86_64'}`);
  }
  return fn;
}

/** SAM's default: template.yaml, else template.yml, in the current folder. */
export function defaultTemplateFile(): string | undefined {
  return DEFAULT_TEMPLATES.find((name) => existsSync(name));
}

function notFound(word: string, file: string, template: SamTemplate): string {
  const skipped = template.skipped.find((entry) => entry.startsWith(`${word}: `));
  if (skipped !== undefined) return `${file}: function ${skipped.replace(': ', ' cannot run: ')}`;
  const ids = template.functions.map((fn) => fn.logicalId);
  const byName = template.functions.find((fn) => fn.functionName === word);
  const hint = byName === undefined ? '' : ` ('${word}' is the FunctionName of ${byName.logicalId}: functions are named by logical id)`;
  const others = template.skipped.length === 0 ? '' : `; skipped: ${template.skipped.map((entry) => entry.split(': ')[0]).join(', ')}`;
  return `${file} has no function '${word}'${hint}; its functions: ${ids.length === 0 ? 'none' : ids.join(', ')}${others}`;
}
