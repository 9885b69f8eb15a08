/** Alerts: subscriptions, the delivery pipeline, RSS feeds and the back-office status. */
export {
  confirmSubscription,
  CONFIRM_VALID_HOURS,
  CONSENT_TEXT,
  confirmTokenState,
  subscribe,
  type SubscribeOutcome,
} from "./subscribe";
export {
  accountSubscriberId,
  formContext,
  openPreferences,
  subscriberFromToken,
  subscriptionStatus,
  unsubscribe,
  updatePreferences,
  type FormContext,
  type PreferencesView,
} from "./preferences";
export { SubscriptionError } from "./options";
export { FIELD_LABELS, INTEREST_FIELDS, PREFERENCE_ARRAY_FIELDS, PreferencesSchema, SubscribeSchema, ConventionParam, LotParam } from "./schemas";
export { ANNOUNCEMENT_KIND_LABELS } from "./messages";
export { alertsJob } from "./job";
export { feedDirectory, feedPath, feedResponse, kindScope, type FeedScope } from "./feeds";
export { announcementDeliveries, deliveryOverview, retryFailedDeliveries, type AnnouncementStatus, type FailedDelivery } from "./status";
export { preferencesForm, preferencesState, selectedInterests, type SelectedInterests } from "./forms";
export { pressAudience, type Audience } from "./audience";
export { sendPressTest } from "./press-test";
