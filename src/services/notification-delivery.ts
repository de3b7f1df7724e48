import { createHmac } from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import { notificationMessage } from '../domain/notification-messages.ts';
import {
  deliveryBatchSize,
  deliveryLeaseMs,
  isUrgent,
  nextAttemptAt,
  type NotificationChannel,
  type NotificationKind,
} from '../domain/notifications.ts';
import type { Language } from '../domain/report.ts';
import { OutboundClient } from '../outbound/http.ts';
import type { ClaimedDelivery, NotificationStore } from '../store/notifications.ts';

/**
 * Delivery of stored notifications: a process claims due deliveries (store/notifications.ts,
 * claim: FOR UPDATE SKIP LOCKED and a lease), sends each by its channel outside any transaction,
 * and records the attempt and the outcome. A failure is retried with backoff
 * (domain/notifications.ts, nextAttemptAt) until a day has passed; a process that dies mid-send
 * leaves a lease that ends, and another process tries again. Two processes never hold one
 * delivery at once, so none is sent twice while both run.
 */

/** What a channel sends: no case, no name, no narrative; only the kind, the words and the sign-in page. */
export interface OutgoingNotification {
  deliveryId: number;
  notificationId: number;
  kind: NotificationKind;
  urgent: boolean;
  recipient: { id: string; email: string; language: Language };
  subject: string;
  text: string;
  signInUrl: string;
  createdAt: Date;
}

export interface NotificationSender {
  readonly channel: NotificationChannel;
  /** Resolves once the message was handed over; throws otherwise (the message says why, without content). */
  send(message: OutgoingNotification): Promise<void>;
  close?(): void;
}

/** Transport timeouts: a send ends well within the claim's lease (deliveryLeaseMs). */
const smtpTimeouts = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 };

/** Email through SMTP_URL (nodemailer), in plain text. */
export class EmailSender implements NotificationSender {
  readonly channel = 'email' as const;
  private readonly transport: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
  ) {
    this.transport = nodemailer.createTransport({ url: smtpUrl, ...smtpTimeouts });
  }

  async send(message: OutgoingNotification): Promise<void> {
    await this.transport.sendMail({
      from: this.from,
      to: message.recipient.email,
      subject: message.subject,
      text: message.text,
      headers: { 'Auto-Submitted': 'auto-generated', ...(message.urgent ? { Importance: 'high' } : {}) },
    });
  }

  close(): void {
    this.transport.close();
  }
}

/** The webhook's signature over a timestamp and a body: `sha256=` and the hex HMAC-SHA256 of "timestamp.body". */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** A signed JSON POST to WEBHOOK_URL through the guarded outbound client; any 2xx is handed over. */
export class WebhookSender implements NotificationSender {
  readonly channel = 'webhook' as const;

  constructor(
    private readonly url: string,
    private readonly secret: string,
    private readonly client: OutboundClient,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async send(message: OutgoingNotification): Promise<void> {
    const body = JSON.stringify({
      id: message.deliveryId,
      notification: message.notificationId,
      kind: message.kind,
      urgent: message.urgent,
      recipient: message.recipient,
      subject: message.subject,
      text: message.text,
      signInUrl: message.signInUrl,
      createdAt: message.createdAt.toISOString(),
    });
    const timestamp = String(Math.floor(this.clock().getTime() / 1000));
    const answer = await this.client.request({
      method: 'POST',
      url: this.url,
      body,
      headers: {
        'content-type': 'application/json',
        'x-hifazat-timestamp': timestamp,
        'x-hifazat-signature': webhookSignature(this.secret, timestamp, body),
        // The same delivery retried after a lost answer carries the same id: the bridge may drop the repeat.
        'x-hifazat-delivery': String(message.deliveryId),
      },
    });
    if (answer.status < 200 || answer.status > 299) throw new Error(`The webhook answered HTTP ${answer.status}.`);
  }
}

/** An error as recorded: one line, short, without a stack. */
const recorded = (error: unknown) =>
  (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim().slice(0, 300) || 'failed';

export interface DeliveryRun {
  sent: number;
  failed: number;
}

/** Claims and sends due deliveries; one per process, shared by the timer and runOnce. */
export class NotificationDelivery {
  private readonly senders: Map<NotificationChannel, NotificationSender>;

  constructor(
    private readonly store: Pick<NotificationStore, 'claim' | 'finish'>,
    senders: readonly NotificationSender[],
    private readonly publicUrl: string,
    private readonly clock: () => Date = () => new Date(),
    private readonly onGiveUp: (delivery: ClaimedDelivery, error: string) => void = () => {},
  ) {
    this.senders = new Map(senders.map((s) => [s.channel, s]));
  }

  /** The channels deliveries are made for (a notification made now gets one delivery per channel). */
  get channels(): NotificationChannel[] {
    return [...this.senders.keys()];
  }

  /** Sends what is due, a batch at a time, until nothing is due or `maxBatches` were sent. */
  async deliverDue(maxBatches = 20): Promise<DeliveryRun> {
    const run = { sent: 0, failed: 0 };
    for (let batch = 0; batch < maxBatches; batch++) {
      const now = this.clock();
      const { token, deliveries } = await this.store.claim(now, new Date(now.getTime() + deliveryLeaseMs), deliveryBatchSize);
      if (deliveries.length === 0) break;
      const outcomes = await Promise.all(deliveries.map((d) => this.deliver(d, token)));
      for (const ok of outcomes) run[ok ? 'sent' : 'failed']++;
      if (deliveries.length < deliveryBatchSize) break;
    }
    return run;
  }

  private async deliver(delivery: ClaimedDelivery, token: string): Promise<boolean> {
    const startedAt = this.clock();
    const sender = this.senders.get(delivery.channel);
    let error: string | null = null;
    try {
      if (!sender) throw new Error(`The ${delivery.channel} channel is not configured in this process.`);
      if (!delivery.active) {
        // A disabled account is told nothing more: given up at once, recorded.
        const finishedAt = this.clock();
        const error = 'The recipient’s account is no longer active.';
        await this.store.finish(delivery.id, token, {
          status: 'failed',
          nextAttemptAt: null,
          error,
          startedAt,
          finishedAt,
          outcome: 'failed',
        });
        return false;
      }
      const signInUrl = `${this.publicUrl}/console/${delivery.language}/sign-in`;
      const { subject, text } = notificationMessage(delivery.kind, delivery.language, signInUrl);
      await sender.send({
        deliveryId: delivery.id,
        notificationId: delivery.notificationId,
        kind: delivery.kind,
        urgent: isUrgent(delivery.kind),
        recipient: { id: delivery.recipientId, email: delivery.email, language: delivery.language },
        subject,
        text,
        signInUrl,
        createdAt: delivery.createdAt,
      });
    } catch (failure) {
      error = recorded(failure);
    }
    const finishedAt = this.clock();
    if (error === null) {
      await this.store.finish(delivery.id, token, {
        status: 'sent',
        nextAttemptAt: null,
        error: null,
        startedAt,
        finishedAt,
        outcome: 'sent',
      });
      return true;
    }
    const next = nextAttemptAt(delivery.attempts, delivery.createdAt, finishedAt);
    await this.store.finish(delivery.id, token, {
      status: next ? 'pending' : 'failed',
      nextAttemptAt: next,
      error,
      startedAt,
      finishedAt,
      outcome: 'failed',
    });
    if (!next) this.onGiveUp(delivery, error);
    return false;
  }

  close(): void {
    for (const sender of this.senders.values()) sender.close?.();
  }
}
