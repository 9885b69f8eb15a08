import type { SeedStep } from "@/lib/seed-step";
import { describeSync, syncCourses } from "./sync";

/** db:seed step: records the course structures of content/courses (new versions only when they changed). */
export const learningSeed: SeedStep = {
  name: "corsi",
  async run({ db, root }) {
    return describeSync(await syncCourses(db, root));
  },
};
