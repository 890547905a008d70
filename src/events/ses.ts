import type { SESEvent, SESMailHeader, SESReceipt } from 'aws-lambda';
import { arn } from './arn.js';
import { awsIds } from './aws-ids.js';
import { awsTime } from './aws-time.js';
import { resolveBaseOptions, type BaseEventOptions, type ResolvedBaseOptions } from './base-event-options.js';

export interface SesEmailReceivingOptions extends BaseEventOptions {
  /** Sender address. Default `jane.doe@example.com`. */
  from?: string;
  /** Recipient address. Default `john.doe@example.com`. */
  to?: string;
  /** Subject line. Default `Test Subject`. */
  subject?: string;
}

interface Mail {
  from: string;
  to: string;
  subject: string;
  smtpId: string;
  messageId: string;
  date: string;
  region: string;
}

// A fresh object per verdict, so that editing one verdict leaves the others alone.
const pass = (): { status: 'PASS' } => ({ status: 'PASS' });

function mailHeaders({ from, to, subject, smtpId, messageId, date, region }: Mail): SESMailHeader[] {
  return [
    { name: 'Return-Path', value: `<${from}>` },
    {
      name: 'Received',
      value: `from mail.example.com (mail.example.com [${awsIds.sourceIp()}]) by inbound-smtp.${region}.amazonaws.com with SMTP id ${smtpId} for ${to}; ${date}`,
    },
    { name: 'MIME-Version', value: '1.0' },
    { name: 'From', value: from },
    { name: 'Date', value: date },
    { name: 'Message-ID', value: messageId },
    { name: 'Subject', value: subject },
    { name: 'To', value: to },
    { name: 'Content-Type', value: 'text/plain; charset=UTF-8' },
  ];
}

function receipt(base: ResolvedBaseOptions, to: string, timestamp: string): SESReceipt {
  return {
    timestamp,
    processingTimeMillis: 574,
    recipients: [to],
    spamVerdict: pass(),
    virusVerdict: pass(),
    spfVerdict: pass(),
    dkimVerdict: pass(),
    dmarcVerdict: pass(),
    action: {
      type: 'Lambda',
      functionArn: arn({ service: 'lambda', region: base.region, accountId: base.accountId, resource: 'function:my-function' }),
      invocationType: 'Event',
    },
  };
}

/** An email received by SES and handed to a Lambda receipt-rule action. */
export function sesEmailReceivingEvent(options: SesEmailReceivingOptions = {}): SESEvent {
  const base = resolveBaseOptions(options);
  const from = options.from ?? 'jane.doe@example.com';
  const to = options.to ?? 'john.doe@example.com';
  const subject = options.subject ?? 'Test Subject';
  // SES names each message with a 40-character lowercase id, also used as the SMTP id.
  const sesMessageId = awsIds.lowerAlnum(40);
  const headerMessageId = `<${awsIds.hex(24)}@mail.example.com>`;
  const timestamp = awsTime.iso(base.time);
  const date = awsTime.rfc5322(base.time);
  const headers = mailHeaders({ from, to, subject, smtpId: sesMessageId, messageId: headerMessageId, date, region: base.region });
  return {
    Records: [
      {
        eventSource: 'aws:ses',
        eventVersion: '1.0',
        ses: {
          mail: {
            timestamp,
            source: from,
            messageId: sesMessageId,
            destination: [to],
            headersTruncated: false,
            headers,
            commonHeaders: {
              returnPath: from,
              from: [from],
              date,
              to: [to],
              messageId: headerMessageId,
              subject,
            },
          },
          receipt: receipt(base, to, timestamp),
        },
      },
    ],
  };
}
