/** SCORM 1.2 and 2004 packages as courses: import (zip and manifest checks), content, runtime. Server-only. */
export { importScormPackage, type ScormImportInput, type ScormImportResult } from "./import";
export { DEFAULT_ZIP_LIMITS, type ZipLimits } from "./zip";
export { scormContent, scormPackagesList, PACKAGE_ID } from "./content";
export { openScormItem, recordCommit, scormRuntimeOf, itemDone, CommitBody, MAX_COMMIT_BYTES, type PlayerView } from "./runtime";
export { ScormUploadSchema, scormUploadForm } from "./form";
