/** Accessibility feedback: the report form's domain and its mail retry job. */
export { ReportSchema, submitAccessibilityReport, retryAccessibilityMail, retryDelayMs, MAX_MAIL_ATTEMPTS } from "./reports";
export type { ReportInput, SubmittedReport } from "./reports";
export { reportNumber } from "./messages";
export { accessibilityMailJob } from "./job";
