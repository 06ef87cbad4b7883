import type { DeliveryJob, EnrichJob, PartnerDefinition } from '@status-bridge/core';
import type { PARTNERS } from './registry';

/** The registered definitions, with their own types. */
export type RegisteredPartner = (typeof PARTNERS)[number];

/** The key of every registered partner: tenants-file section, queue key, metric label, failure-reason tag. */
export type PartnerKey = RegisteredPartner['key'];

export type PartnerByKey<K extends PartnerKey> = Extract<RegisteredPartner, { key: K }>;

/** The partner data of a delivery job of partner K (what its `plan` returns). */
export type DeliveryOf<K extends PartnerKey> = PartnerByKey<K> extends PartnerDefinition<K, infer _Section, infer Delivery, infer _Env> ? Delivery : never;

/** The tenant section of partner K, as loaded. */
export type SectionOf<K extends PartnerKey> = PartnerByKey<K> extends PartnerDefinition<K, infer Section, infer _Delivery, infer _Env> ? Section : never;

/** `enrich` plus one delivery queue per partner. */
export type QueueKey = 'enrich' | PartnerKey;

/** The payload type of every queue: producers and processors share it (a change is a compile error on both sides). */
export type QueuePayloads = { [K in QueueKey]: K extends PartnerKey ? DeliveryJob<K, DeliveryOf<K>> : EnrichJob };
