/** E-learning: courses from content/courses, progress, quizzes, certificates and Open Badges. Server-only. */
export { syncCourses, describeSync, structureHash, type SyncResult } from "./sync";
export { readBuiltCourses, writeBuiltCourses } from "./built-courses";
export { loadCourse, loadCourses } from "./content";
export { computeProgress, lessonsOf, lessonHref, type Progress, type PublicCourse, type LearnerState, type LessonRef } from "./courses";
export { courseCatalog, courseDetail, enrol, openLesson, completeLesson, learnerDashboard } from "./learner";
export { gradeQuiz, drawQuiz, drawnQuestions, quizPage, submitQuiz, answersFromForm, answerField, type AttemptReview, type Grade, type QuizBlock, type SubmitResult } from "./quiz";
export { verifyCertificate, revokeCertificate, listCertificates, normaliseCode, newCertificateCode, groupCode, type Certificate, type Verification } from "./certificates";
export { certificatePdf, verificationUrl } from "./pdf";
export { issuerProfile, badgeClass, badgeAssertion, badgeImage } from "./badges";
export { issuerProfileV3, credentialJwks, openBadgeCredential, signedCredential, OB3_CONTEXT } from "./credentials";
export { learningReport, reportCsv, NO_ORGANISATION, type LearningReport, type ReportRow, type ReportView } from "./reports";
export { coursesForConvention, coursesForAggregator, type CourseLink } from "./links";
export { learningSeed } from "./seed";
export { slug, LessonSlug } from "./schema";
export {
  AssignmentFormSchema,
  assignmentReport,
  assignmentCsv,
  assignmentsForLearner,
  assignmentForCourse,
  assignableCourses,
  listAssignments,
  organisationOf,
  ASSIGNMENT_STATUS_LABELS,
  MAX_ASSIGNED_ADDRESSES,
  MAX_ASSIGNED_DOMAINS,
  type AssignmentInput,
  type AssignmentReport,
  type AssignmentSummary,
  type LearnerAssignment,
} from "./assign";
export { createAssignment, sendAssignmentReminders, assignmentRemindersJob, nextReminder, setRemindersOff, remindersAreOff, INACTIVITY_DAYS, type ReminderPass } from "./assign-reminders";
export { emailFromReminderToken, reminderSettingsUrl } from "./assign-links";
export { learnerGrades, type LearnerGrades, type VersionGrades, type GradedAttempt } from "./grades";
export * from "./scorm";
