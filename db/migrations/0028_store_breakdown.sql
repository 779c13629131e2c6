-- Questions across several stores (issue #14): the question the merchant asked is a parent
-- request with no store; each store is answered by an ordinary request under it, and the
-- parent's answer is their figures side by side (graph/store_breakdown.ts). Children share the
-- parent's conversation and are left out of lists: the merchant asked one question.
ALTER TABLE analysis_requests
  ADD COLUMN parent_request_id uuid REFERENCES analysis_requests (id) ON DELETE CASCADE;
CREATE INDEX analysis_requests_parent_idx ON analysis_requests (parent_request_id)
  WHERE parent_request_id IS NOT NULL;
