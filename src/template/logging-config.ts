/**
 * A function's LoggingConfig (AWS::Serverless::Function and AWS::Lambda::Function
 * spell it alike) → what emu applies. Values are taken as written: they are
 * checked as the Lambda API checks them when the function starts (case included:
 * `json` is not a LogFormat), so a template and a program get the same message.
 */
import { isUnresolved } from './intrinsics.js';
import { ownValue } from './plain-data.js';
import type { TemplateLogging } from './template-function.js';

const FIELDS = { LogFormat: 'format', ApplicationLogLevel: 'applicationLogLevel', SystemLogLevel: 'systemLogLevel', LogGroup: 'logGroup' } as const;

export type LoggingReading = { ok: true; logging?: TemplateLogging; ignored: string[] } | { ok: false; reason: string };

export function readLoggingConfig(value: unknown): LoggingReading {
  if (value === undefined) return { ok: true, ignored: [] };
  if (typeof value !== 'object' || value === null || Array.isArray(value) || isUnresolved(value)) {
    return { ok: false, reason: `LoggingConfig must be a map of LogFormat, ApplicationLogLevel, SystemLogLevel, LogGroup, got ${JSON.stringify(value)}` };
  }
  const logging: TemplateLogging = {};
  for (const [key, field] of Object.entries(FIELDS)) {
    const raw = ownValue(value, key);
    if (raw === undefined) continue;
    if (typeof raw !== 'string') return { ok: false, reason: `LoggingConfig.${key} must be text, got ${JSON.stringify(raw)}` };
    logging[field] = raw;
  }
  const ignored = Object.keys(value).filter((key) => !Object.hasOwn(FIELDS, key));
  return Object.keys(logging).length === 0 ? { ok: true, ignored } : { ok: true, logging, ignored };
}
