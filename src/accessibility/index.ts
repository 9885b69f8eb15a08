/** Accessibility feedback: the report form's domain. */
export { ReportSchema, submitAccessibilityReport } from "./reports";
export type { ReportInput, SubmittedReport } from "./reports";
export { reportNumber } from "./messages";
