/** What an event needs beyond the request itself: who serves it and as which account and region. */
export interface EventContext {
  accountId: string;
  region: string;
  /** The local address the client used (Host header), standing in for the API's domain name. */
  domainName: string;
  /** The local port, for X-Forwarded-Port. */
  port: number;
}
