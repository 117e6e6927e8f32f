import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    typecheck: { include: ["test/types/**/*.test-d.ts"], tsconfig: "./tsconfig.json" },
    testTimeout: 15_000,
    hookTimeout: 15_000,
    // Loopback servers and timers: files run in parallel, tests inside a file in order.
    pool: "forks",
  },
});
