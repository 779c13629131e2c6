-- The W3C traceparent of the API request that submitted an analysis, when tracing is on
-- (log/tracing.ts): the live-updates stream continues that trace when it sends the final event.
ALTER TABLE analysis_requests ADD COLUMN trace_parent text
  CHECK (trace_parent ~ '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$');
