/**
 * The transactional outbox, shared by every domain: announcements of published
 * content (fanned out to subscribers by the alert worker) and the queue of
 * transactional mail. Both are written in the transaction of their cause.
 */
export { announce, type AnnouncementInput } from "./announcements";
export { queueMail, sendQueuedMail, outboundMailOverview, retryFailedMail, OUTBOUND_MAIL_LABELS, type QueuedMail, type MailPass, type OutboundMailOverview, type OutboundMailRow } from "./mail";
export { outboundMailJob } from "./job";
export { MAX_SEND_ATTEMPTS, RETRY_MAX_MS, retryDelay } from "./backoff";
