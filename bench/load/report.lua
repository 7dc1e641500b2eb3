-- wrk script of bench/load/run.sh: plain GETs (the URL and headers come from the command line); at the
-- end it prints one machine-readable line for run.sh's table:
--   RESULT <name> rps=… p50=… p90=… p99=… max=… (ms) requests=… errors=…
-- <name> comes from the environment variable LOAD_NAME. "errors" counts socket errors, timeouts and
-- answers that are not 2xx/3xx (wrk's "status" errors): a run with errors is not a valid figure.
function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  io.write(string.format(
    "RESULT %s rps=%.0f p50=%.3f p90=%.3f p99=%.3f max=%.3f requests=%d errors=%d\n",
    os.getenv("LOAD_NAME") or "wrk", summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.requests, errors))
end
