import { ownKey, waitForReplicas, type RedisConnection } from '@status-bridge/core';

/**
 * Confirms that `replicas` replicas hold every write the producer connection made so far (Redis
 * WAIT), before ingest answers 200 (ENQUEUE_WAIT_REPLICAS).
 *
 * Why: replication is asynchronous. Without this, a primary that is killed right after
 * confirming an add can take the job with it when Sentinel or Cluster promotes its replica: an
 * event acknowledged but lost. With it, an acknowledged event is on the replica that would be
 * promoted. The price: while fewer replicas are connected, every event is answered 503.
 *
 * WAIT covers all earlier writes of the connection, so concurrent requests share one WAIT: a
 * caller joins the WAIT that has not been sent yet (sent on the next turn of the event loop, after
 * every add whose reply has arrived so far).
 */
export class ReplicaAcks {
  private pending: Promise<number> | undefined;
  private readonly routingKey: string;

  constructor(
    private readonly redis: RedisConnection,
    prefix: string,
    readonly replicas: number,
    private readonly timeoutMs: number,
  ) {
    // Any key under the hash-tagged prefix: on a Cluster it routes WAIT to the master of this
    // prefix's queues (with QUEUE_PARTITIONS, one ReplicaAcks per partition).
    this.routingKey = ownKey(prefix, 'replica-ack');
  }

  /** How many replicas confirmed (at most `timeoutMs`); rejects when Redis fails. */
  confirm(): Promise<number> {
    this.pending ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      this.pending = undefined;
      return waitForReplicas(this.redis, this.routingKey, this.replicas, this.timeoutMs);
    });
    return this.pending;
  }
}
