// Waiting for a condition instead of for a time: `f` is asked every 25 ms until `ok` accepts its
// answer, which is returned; past `ms` the wait fails, naming what it waited for and the last answer.
export async function until<T>(what: string, f: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(v)})`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
