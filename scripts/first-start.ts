import { randomBytes } from "node:crypto";
import { createUser } from "../server/auth/admin";
import { SYSTEM_USER_EMAIL } from "../server/auth/api-key";
import { db } from "../server/db";
import { seedDemoData, topUpDemoJobs } from "../server/seed";

export const FIRST_ADMIN_EMAIL = "admin@localhost.test";

/**
 * On an empty embedded database: seed demo data and make the first admin,
 * (on a later start, queue demo jobs again if none is active),
 * whose password is shown this once and must be changed at its first sign-in
 * (it has been in a terminal and perhaps a log).
 */
export async function firstStart({ seed }: { seed: boolean }): Promise<void> {
  if (!seed) return;
  if (await seedDemoData({ db: db() }))
    console.log("Seeded demo data: one database connection, 28 golden records, 8 jobs (4 queued: 3 at OpenAI, 1 at Together AI).");
  else {
    const queued = await topUpDemoJobs({ db: db() });
    if (queued) console.log(`Every demo job had ended, so ${queued} more are queued to watch and cancel.`);
  }
  const admins = await db().user.count({ where: { role: "admin", email: { not: SYSTEM_USER_EMAIL } } });
  if (admins > 0) return;
  const password = randomBytes(18).toString("base64url");
  await createUser({ email: FIRST_ADMIN_EMAIL, password, role: "admin", name: "Admin", mustChangePassword: true });
  console.log(
    `\nFirst start: created the admin account (shown only this once; choose your own password at the first sign-in)\n  email:    ${FIRST_ADMIN_EMAIL}\n  password: ${password}\n`,
  );
}
