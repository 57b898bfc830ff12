import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * `<data dir>/sandbox.json`: what a developer (or a test) needs to talk to a running sandbox. It holds
 * the demo merchant's API key (and the sandbox console owner's password and TOTP seed) in clear, which
 * is why it exists only in sandbox mode, is written with mode 0600, and is the *only* place that key
 * is kept (the database stores its SHA-256, as for every key).
 */
export const sandboxFileSchema = z.object({
  gateway_url: z.url(),
  simulator_url: z.url(),
  simulator_sandbox: z.string().min(1),
  merchant_id: z.string().min(1),
  merchant_api_key: z.string().regex(/^sk_test_[A-Za-z0-9]{44}$/),
  demo_shop_url: z.url(),
  webhook_inbox_url: z.url(),
  // The console's sandbox owner (sandbox-admin.ts): optional so a file from an older version still reads.
  console_url: z.url().optional(),
  admin_email: z.email().optional(),
  admin_password: z.string().min(12).optional(),
  admin_totp_secret: z.string().regex(/^[A-Z2-7]{16,128}$/).optional(),
});

export type SandboxFile = z.infer<typeof sandboxFileSchema>;

export function sandboxFilePath(dataDir: string): string {
  return join(dataDir, 'sandbox.json');
}

/** The previous run's file, or undefined when absent or not a sandbox file (it is then rewritten). */
export async function readSandboxFile(dataDir: string): Promise<SandboxFile | undefined> {
  let raw: string;
  try {
    raw = await readFile(sandboxFilePath(dataDir), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = sandboxFileSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Written to a temporary name and renamed, so a reader never sees half a file. */
export async function writeSandboxFile(dataDir: string, file: SandboxFile): Promise<string> {
  const path = sandboxFilePath(dataDir);
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(sandboxFileSchema.parse(file), null, 2)}\n`, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
  return path;
}
