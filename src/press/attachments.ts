/** The press's attachments are stored files: the checks and storage shared with catalog documents live in src/lib/stored-files.ts. */
export * from "@/lib/stored-files";
