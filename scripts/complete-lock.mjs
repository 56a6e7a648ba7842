// Adds package-lock entries for platform binaries that this machine's npm registry does not
// serve (EDR's darwin, win32 and arm64 builds), so that `npm ci` accepts the lock file.
// Each entry carries os/cpu/libc, so npm skips it on other platforms and fetches it on its own.
// Run after any `npm install` that rewrites package-lock.json:  node scripts/complete-lock.mjs
import { readFileSync, writeFileSync, renameSync } from "node:fs";

const file = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(file, "utf8"));
const pkgs = lock.packages;
let added = 0;
for (const [path, meta] of Object.entries(pkgs)) {
  for (const [dep, version] of Object.entries(meta.optionalDependencies ?? {})) {
    const key = `node_modules/${dep}`;
    if (pkgs[key]) continue;
    const name = dep.split("/").pop();
    const os = ["darwin", "linux", "win32"].find((o) => name.includes(o));
    const cpu = ["arm64", "x64"].find((c) => name.includes(c));
    if (!os || !cpu) throw new Error(`${path}: optional dependency ${dep} missing from lock, and not a platform binary`);
    const entry = { version, cpu: [cpu], dev: meta.dev ?? false, optional: true, os: [os] };
    if (os === "linux") entry.libc = [name.includes("musl") ? "musl" : "glibc"];
    if (meta.engines) entry.engines = meta.engines;
    pkgs[key] = entry;
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(pkgs).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : 1)));
const tmp = `${file.pathname}.tmp`;
writeFileSync(tmp, JSON.stringify(lock, null, 2) + "\n");
renameSync(tmp, file);
console.log(`complete-lock: added ${added} platform entries`);
