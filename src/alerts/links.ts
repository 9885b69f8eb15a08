import { signSubscriberToken } from "./secret";
import type { SubscriberLinks } from "./messages";

/** Signed, absolute preference-centre and unsubscribe links of one subscriber. */
export function subscriberLinks(siteUrl: string, secret: string, subscriberId: number): SubscriberLinks {
  return {
    preferences: `${siteUrl}/avvisi/preferenze?t=${signSubscriberToken(secret, subscriberId, "preferenze")}`,
    unsubscribe: `${siteUrl}/avvisi/disiscrizione?t=${signSubscriberToken(secret, subscriberId, "disiscrizione")}`,
  };
}

/** Deterministic Message-ID of one delivery: a resend after a crash carries the same id, so receivers can spot it. */
export function deliveryMessageId(siteUrl: string, announcementId: number, subscriberId: number): string {
  return `<avviso.${announcementId}.${subscriberId}@${new URL(siteUrl).hostname}>`;
}

/** Deterministic Message-ID of a digest, named by its subscriber and its first item. */
export function digestMessageId(siteUrl: string, subscriberId: number, firstDeliveryId: number): string {
  return `<riepilogo.${subscriberId}.${firstDeliveryId}@${new URL(siteUrl).hostname}>`;
}
