// Webhook delivery: the payload signed with the rule's secret (HMAC-SHA256 over "<timestamp>.<body>", sent as
// `x-crm-ai-signature: t=<unix seconds>,v1=<hex>`), one attempt per call (the job queue retries with
// backoff), and an address policy checked on the addresses the connection actually uses (the check is in the
// socket's DNS lookup, so a name that re-resolves to an internal address is still refused). Internal
// addresses (loopback, private, link-local, CGNAT, unique-local) are refused unless the operator lists the
// host in WEBHOOK_ALLOWED_HOSTS; with that list set, only its hosts are allowed.
import { createHmac } from 'node:crypto';
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { AppError } from '../platform/errors.ts';

const INTERNAL = new net.BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const)
  INTERNAL.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
] as const)
  INTERNAL.addSubnet(network, prefix, 'ipv6');

export function isInternalAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return INTERNAL.check(mapped[1]!, 'ipv4');
  return INTERNAL.check(address, net.isIPv6(address) ? 'ipv6' : 'ipv4');
}

export interface WebhookPolicy {
  /** Hosts the operator allows, internal or not; when non-empty, the only hosts allowed. */
  allowedHosts: readonly string[];
  timeoutMs: number;
}

/** Why a URL may not receive webhooks, or undefined when it may (checked when a rule is saved). */
export function refusedUrl(url: string, policy: WebhookPolicy): string | undefined {
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return 'webhooks go to http(s) URLs';
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (policy.allowedHosts.length > 0)
    return policy.allowedHosts.includes(host) ? undefined : `${host} is not in WEBHOOK_ALLOWED_HOSTS`;
  if (net.isIP(host) && isInternalAddress(host)) return `${host} is an internal address`;
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.internal'))
    return `${host} is an internal name`;
  return undefined;
}

export function signature(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export interface Delivery {
  status: 'delivered' | 'failed';
  responseStatus: number | null;
  error: string | null;
  durationMs: number;
}

export async function deliver(
  url: string,
  payload: unknown,
  headers: { secret: string; deliveryId: string },
  policy: WebhookPolicy,
): Promise<Delivery> {
  const refused = refusedUrl(url, policy);
  if (refused) throw new AppError('WEBHOOK_ADDRESS_REFUSED', 400, refused);
  const body = JSON.stringify(payload);
  const timestamp = Math.floor(Date.now() / 1000);
  const target = new URL(url);
  const explicitlyAllowed = policy.allowedHosts.includes(target.hostname.replace(/^\[|\]$/g, ''));
  const started = performance.now();
  const lookup: net.LookupFunction = (hostname, options, callback) =>
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = addresses as dns.LookupAddress[];
      const internal = list.find((entry) => isInternalAddress(entry.address));
      if (internal && !explicitlyAllowed)
        return callback(new Error(`${hostname} resolves to an internal address`), '', 0);
      if (options.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      callback(null, list[0]!.address, list[0]!.family);
    });
  return new Promise((resolve) => {
    const finish = (responseStatus: number | null, error: string | null) =>
      resolve({
        status:
          responseStatus !== null && responseStatus >= 200 && responseStatus < 300 ? 'delivered' : 'failed',
        responseStatus,
        error,
        durationMs: Math.round(performance.now() - started),
      });
    const request = (target.protocol === 'https:' ? https : http).request(
      target,
      {
        method: 'POST',
        lookup,
        timeout: policy.timeoutMs,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'user-agent': 'crm-ai-webhooks/1',
          'x-crm-ai-event': 'automation.run',
          'x-crm-ai-delivery': headers.deliveryId,
          'x-crm-ai-signature': signature(headers.secret, timestamp, body),
        },
      },
      (response) => {
        response.resume();
        response.on('end', () =>
          finish(
            response.statusCode ?? null,
            response.statusCode && response.statusCode < 300 ? null : `HTTP ${response.statusCode}`,
          ),
        );
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${policy.timeoutMs} ms`)));
    request.on('error', (error) => finish(null, error.message));
    request.end(body);
  });
}
