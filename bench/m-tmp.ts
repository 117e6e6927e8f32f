import { execFileSync } from "node:child_process";
import { withEchoServer } from "./echo-process.ts";
await withEchoServer(async (url) => {
  for (const kind of ["raw", "ours"]) console.log(kind, execFileSync(process.execPath, ["--expose-gc", "--import", "tsx", "bench/idle-memory.ts", kind, "10000", url]).toString().trim());
});
process.exit(0);
