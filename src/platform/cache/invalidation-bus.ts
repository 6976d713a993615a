// Cross-instance invalidation over Redis pub/sub: each instance drops the L1 entries others invalidate.
// Pub/sub is at-most-once, so messages carry the sender's sequence number: a gap means a message was lost
// and the receiver flushes its L1. A reconnect can also lose messages, so it flushes too.
import { randomUUID } from 'node:crypto';
import type { RedisClientType } from '@redis/client';
import type { Logger } from '../logger.ts';

export type Invalidation =
  | { op: 'keys'; keys: string[] }
  | { op: 'pattern'; pattern: string }
  | { op: 'flush' };

type Envelope = Invalidation & { sender: string; seq: number };

export interface BusStats {
  sent: number;
  received: number;
  gaps: number;
  flushes: number;
}

export class InvalidationBus {
  readonly instanceId = randomUUID();
  readonly stats: BusStats = { sent: 0, received: 0, gaps: 0, flushes: 0 };
  private seq = 0;
  private readonly lastSeen = new Map<string, number>();
  private subscriber?: RedisClientType;
  private hadConnection = false;

  constructor(
    private readonly channel: string,
    private readonly publisher: RedisClientType,
    private readonly apply: (invalidation: Invalidation) => void,
    private readonly publish: (channel: string, message: string) => Promise<boolean>,
    private readonly log: Logger,
  ) {}

  /** Resolves once subscribed (or given up at start; it keeps reconnecting in the background). */
  start(): Promise<void> {
    const subscriber = this.publisher.duplicate() as RedisClientType;
    this.subscriber = subscriber;
    subscriber.on('error', (error: Error) => this.log.debug({ err: error }, 'cache bus connection error'));
    subscriber.on('ready', () => {
      // Whatever was published while we were away is lost: start from an empty L1.
      if (this.hadConnection) this.flushLocal();
      this.hadConnection = true;
    });
    return subscriber
      .connect()
      .then(() => subscriber.subscribe(this.channel, (message) => this.receive(message)))
      .then(() => undefined)
      .catch((error: Error) =>
        this.log.warn({ err: error }, 'cache bus unavailable; L1 entries expire by TTL'),
      );
  }

  async send(invalidation: Invalidation): Promise<void> {
    this.seq += 1;
    const envelope: Envelope = { ...invalidation, sender: this.instanceId, seq: this.seq };
    if (await this.publish(this.channel, JSON.stringify(envelope))) this.stats.sent += 1;
  }

  async close(): Promise<void> {
    if (this.subscriber?.isOpen) this.subscriber.destroy();
  }

  private receive(message: string): void {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(message) as Envelope;
    } catch {
      return;
    }
    if (envelope.sender === this.instanceId) return;
    this.stats.received += 1;
    const previous = this.lastSeen.get(envelope.sender);
    this.lastSeen.set(envelope.sender, envelope.seq);
    if (previous !== undefined && envelope.seq !== previous + 1) {
      this.stats.gaps += 1;
      this.flushLocal();
      return;
    }
    this.apply(envelope);
  }

  private flushLocal(): void {
    this.stats.flushes += 1;
    this.apply({ op: 'flush' });
  }
}
