// Every example runs as a user runs it (`npx tsx examples/NAME.ts`, here through tsx's CLI in a
// child process) and must exit 0 on its own, saying it finished. To add an example, add a row.
import { describe, expect, it } from "vitest";
import { describeRun, runExample } from "../helpers/run-example.ts";

interface ExampleCase {
  /** Path from the project root. */
  readonly file: string;
  /** Lines of stdout (regular expressions, multiline) that prove the example did its job. */
  readonly expect?: readonly RegExp[];
}

const EXAMPLES: readonly ExampleCase[] = [
  {
    file: "examples/echo.ts",
    expect: [/^connected \(subprotocol: ""\)$/m, /^<- text "hello"$/m, /^<- binary 3 bytes$/m, /^disconnected: closed$/m, /^echo: done$/m],
  },
  {
    file: "examples/rpc.ts",
    expect: [/= \[ 3, 42, 60 \]$/m, /^\{ error: 'unknown method divide' \}$/m, /^timed out: .* after 100 ms$/m, /^rpc: done$/m],
  },
  {
    file: "examples/supervised.ts",
    expect: [
      /state: 'connected'/,
      /^#PID<[\d.]+> exited: Error: asked to crash$/m,
      /^"echoes" is now (#PID<[\d.]+>), the supervisor's child \1$/m,
      /^the new client counted 1 echo$/m,
    ],
  },
  {
    file: "examples/phoenix-channels.ts",
    expect: [
      new RegExp(
        [
          String.raw`^\[ 'joined', 'room:lobby', \{ status: 'ok', response: \{\} \} \]`,
          String.raw`\{ status: 'ok', response: \{\} \}`,
          String.raw`\[ 'message', 'new_msg', \{ body: 'hello' \} \]`,
          String.raw`\[ 'message', 'new_msg', \{ body: 'from the server' \} \]`,
          String.raw`\[ 'disconnected', 'missed_heartbeat' \]`,
          String.raw`\[ 'joined', 'room:lobby', \{ status: 'ok', response: \{\} \} \]$`,
        ].join("\n"),
        "m",
      ),
    ],
  },
  {
    file: "examples/gen-server-supervisor.ts",
    expect: [
      /^hello\nparley\nworld$/m,
      /^ {2}\(log\) supervisor #PID<[\d.]+> child_terminated: .*pop from an empty stack$/m,
      /^call failed: ExitError, the server exited\nrestarted as #PID<[\d.]+>\nhello$/m,
    ],
  },
  {
    file: "examples/processes.ts",
    expect: [/^pong #PID<[\d.]+>\n42 \[ \[ 'log', 'first' \] \]\nnormal$/m, /^\[ 'EXIT', true, 'boom' \]\nkilled$/m],
  },
  {
    file: "examples/observer.ts",
    expect: [
      /^observer on http:\/\/127\.0\.0\.1:\d+\/ \(act from the page: http:\/\/127\.0\.0\.1:\d+\/#token=[0-9a-f]{32}\)$/m,
      /^\d+ processes$/m,
      /^supervisor app \(one_for_one\): counter running, jobs running$/m,
      /^supervisor jobs \(one_for_one\): no children$/m,
      /^observer: done$/m,
    ],
  },
  {
    file: "examples/telemetry.ts",
    expect: [
      /^parley:connect:start +quiet \{"attempt":0\}$/m,
      /^parley:connection:stop +quiet \{"reason":\["error",/m,
      /^parley:reconnect:scheduled +quiet \{"attempt":1,"delayMs":\d+\}$/m,
      /^parley:connect:start +quiet \{"attempt":1\}$/m,
      /^retries scheduled: 1$/m,
    ],
  },
  {
    file: "examples/task-stream.ts",
    expect: [
      /^\[ 'ok', '200 page \/a' \]\n\[ 'ok', '200 page \/b' \]\n\[ 'exit', 'timeout' \]\n\[ 'ok', '200 page \/c' \]\n\[ 'ok', '200 page \/d' \]$/m,
      /^at most [1-3] requests in flight\n\(log\) supervisor "fetchers" child_terminated: child Task \(#PID<[\d.]+>\), reason "killed"$/m,
      /^ok 11\nok 12\n200 page \/one\ntasks left: 0$/m,
      /^task-stream: done$/m,
    ],
  },
  {
    file: "examples/pubsub.ts",
    expect: [
      /^both saw 97000, 3600, 97100, 3610, 97050, 3590\nbtc-only saw 97000, 97100, 97050\neth-only saw 3600, 3610, 3590$/m,
      /^btc subscribers: btc-only, both$/m,
      /^pubsub: done$/m,
    ],
  },
];

describe("examples", () => {
  for (const example of EXAMPLES) {
    it(`${example.file} runs to completion and exits 0`, async () => {
      const r = await runExample(example.file, [], 30_000);
      expect(r.code, describeRun(r)).toBe(0);
      for (const line of example.expect ?? []) expect(r.stdout, describeRun(r)).toMatch(line);
      // Nothing went wrong quietly: no crash reports or warnings on stderr.
      expect(r.stderr.replace(/^npm warn .*\n/gm, ""), describeRun(r)).toBe("");
    }, 40_000);
  }
});
