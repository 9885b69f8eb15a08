/** Press office: press releases and news, their attachments, and the public Sala stampa. */
export {
  defaultContactBlock,
  getBySlug,
  getForEditing,
  listForBackOffice,
  listPublished,
  pressCounts,
  PAGE_SIZE,
  publish,
  publishDue,
  publishedFacets,
  PressError,
  savePressRelease,
  slugify,
  tagOptions,
  unpublish,
  type AttachmentRow,
  type PressRelease,
  type PressStatus,
  type ReleaseDetail,
  type ReleaseSummary,
  type TagOption,
} from "./releases";
export { renderMarkdown } from "./markdown";
export { attachmentForDownload, pendingUploads, storeUploads } from "./uploads";
export { contentDisposition, MAX_ATTACHMENT_BYTES, sniffType } from "./attachments";
export { pressEditorForm, withdrawForm, type PressFormExtras } from "./form";
export { KIND_LABELS, PRESS_ARRAY_FIELDS, PressFormSchema, PressListQuery, STATUS_LABELS, type PressFormInput } from "./schemas";
export { toRomeLocal } from "./time";
export { pressPublishJob } from "./job";
export { pressSeed } from "./seed";
export { sendPressTest } from "./test-mail";
