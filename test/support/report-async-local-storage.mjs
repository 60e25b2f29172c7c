// Preloaded with `--import` into a process a test watches: the first time
// anything enters an AsyncLocalStorage (`run` or `enterWith`, which switch
// on its promise hooks for the whole process), the stack is written to the
// file named by ASYNC_LOCAL_STORAGE_REPORT. Plain JavaScript, so it loads
// before tsx.
import { AsyncLocalStorage } from "node:async_hooks";
import { appendFileSync } from "node:fs";

const report = process.env.ASYNC_LOCAL_STORAGE_REPORT;
if (!report) throw new Error("ASYNC_LOCAL_STORAGE_REPORT names no file");

let reported = false;
for (const name of ["run", "enterWith"]) {
  const original = AsyncLocalStorage.prototype[name];
  AsyncLocalStorage.prototype[name] = function (...args) {
    if (!reported) {
      reported = true;
      appendFileSync(report, `AsyncLocalStorage.${name}\n${new Error().stack}\n`);
    }
    return original.apply(this, args);
  };
}
