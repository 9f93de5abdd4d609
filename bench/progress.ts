/** Progress and diagnostics go to stderr, so `--json` leaves stdout to the one JSON object. */
export function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}
