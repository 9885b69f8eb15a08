/** Press office: press releases and news, their attachments, and the public Sala stampa. */
export { defaultContactBlock, PressError, publish, publishDue, savePressRelease, slugify, unpublish } from "./write";
export {
  getBySlug,
  getForEditing,
  listForBackOffice,
  listPublished,
  pressCounts,
  PRESS_PAGE_SIZE,
  publishedFacets,
  tagOptions,
  type AttachmentRow,
  type PressRelease,
  type PressStatus,
  type ReleaseDetail,
  type ReleaseSummary,
  type TagOption,
} from "./read";
export { renderMarkdown } from "./markdown";
export { attachmentForDownload, pendingUploads, storeUploads } from "./uploads";
export { contentDisposition, MAX_ATTACHMENT_BYTES, sniffType } from "./attachments";
export { pressEditorForm, withdrawForm, type PressFormExtras } from "./form";
export { PRESS_KIND_LABELS, PRESS_ARRAY_FIELDS, PressFormSchema, PressListQuery, PRESS_STATUS_LABELS, type PressFormInput } from "./schemas";
export { pressPublishJob } from "./job";
export { pressSeed } from "./seed";
