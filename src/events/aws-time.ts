const MONTHS = 'JanFebMarAprMayJunJulAugSepOctNovDec';
const DAYS = 'SunMonTueWedThuFriSat';

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');
const month = (date: Date): string => MONTHS.slice(date.getUTCMonth() * 3, date.getUTCMonth() * 3 + 3);
const clock = (date: Date): string =>
  `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;

/** The handful of timestamp formats AWS events use, all in UTC. */
export const awsTime = {
  /** 2024-05-01T12:00:00.000Z (S3, SNS, SES) */
  iso: (date: Date): string => date.toISOString(),
  /** 2024-05-01T12:00:00Z (EventBridge) */
  isoSeconds: (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  /** 01/May/2024:12:00:00 +0000, the access-log format API Gateway uses */
  clf: (date: Date): string =>
    `${pad(date.getUTCDate())}/${month(date)}/${date.getUTCFullYear()}:${clock(date)} +0000`,
  /** Wed, 1 May 2024 12:00:00 +0000 (RFC 5322 mail Date header) */
  rfc5322: (date: Date): string => {
    const day = DAYS.slice(date.getUTCDay() * 3, date.getUTCDay() * 3 + 3);
    return `${day}, ${date.getUTCDate()} ${month(date)} ${date.getUTCFullYear()} ${clock(date)} +0000`;
  },
  /** 2024/05/01, the prefix of Lambda log stream names */
  datePath: (date: Date): string =>
    `${date.getUTCFullYear()}/${pad(date.getUTCMonth() + 1)}/${pad(date.getUTCDate())}`,
  epochSeconds: (date: Date): number => Math.floor(date.getTime() / 1000),
  /** Seconds with millisecond fraction, as Kinesis reports arrival times */
  epochSecondsFraction: (date: Date): number => date.getTime() / 1000,
  /** A moment `ms` milliseconds after `date`, to spread records of one batch. */
  plus: (date: Date, ms: number): Date => new Date(date.getTime() + ms),
};
